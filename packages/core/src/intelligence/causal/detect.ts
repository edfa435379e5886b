/**
 * The rules detector of causal wording (issue 12: "causal links on new memories"). It only acts
 * on explicit markers, and only links two memories when the clause on the far side of the marker
 * is mostly made of a recent memory's words: "the deploy failed because the disk on web-01 was
 * full" links to a recent "disk on web-01 is full". Anything vaguer ("as a result, ..." with no
 * named cause, "this caused problems") links nothing.
 */
import { contentTerms, sharedCount } from "../../text/index.js";

export interface CausalClue {
  /** Which side the other memory would be: the clause after "because" names the cause; after "led to", the effect. */
  otherIs: "cause" | "effect";
  marker: string;
  clause: string;
}

const CAUSE_FOLLOWS = /\b(because of|because|due to|as a result of|caused by|owing to)\b([^.;!?\n]*)/gi;
const EFFECT_FOLLOWS = /\b(caused(?! by)|led to|leads to|lead to|resulted in|results in)\b([^.;!?\n]*)/gi;

export function causalClues(text: string): CausalClue[] {
  const out: CausalClue[] = [];
  for (const [re, otherIs] of [
    [CAUSE_FOLLOWS, "cause"],
    [EFFECT_FOLLOWS, "effect"],
  ] as const) {
    for (const m of text.matchAll(re)) {
      const clause = m[2]!.trim();
      if (clause) out.push({ otherIs, marker: m[1]!.toLowerCase(), clause });
    }
  }
  return out;
}

/** A clause must share this many content terms with a memory, and this share of its own terms. */
export const MIN_SHARED_TERMS = 2;
export const MIN_CLAUSE_COVERAGE = 0.5;

export interface CausalMatch {
  clue: CausalClue;
  memoryId: number;
  /** The share of the clause's terms found in the other memory, 0.5..1: the link's strength. */
  coverage: number;
}

/**
 * The best recent memory for each clue of the text, if one is close enough. Candidates come
 * newest first; among equal coverage the newest wins.
 */
export function matchCausalClues(text: string, candidates: readonly { id: number; content: string }[]): CausalMatch[] {
  const clues = causalClues(text);
  if (clues.length === 0) return [];
  const terms = candidates.map((c) => ({ id: c.id, terms: contentTerms(c.content) }));
  const out: CausalMatch[] = [];
  for (const clue of clues) {
    const want = contentTerms(clue.clause);
    if (want.size < MIN_SHARED_TERMS) continue;
    let best: CausalMatch | undefined;
    for (const c of terms) {
      const shared = sharedCount(want, c.terms);
      const coverage = Math.round((shared / want.size) * 100) / 100;
      if (shared >= MIN_SHARED_TERMS && coverage >= MIN_CLAUSE_COVERAGE && (!best || coverage > best.coverage)) best = { clue, memoryId: c.id, coverage };
    }
    if (best) out.push(best);
  }
  return out;
}
