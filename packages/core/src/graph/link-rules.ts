import { contentTerms, sharedCount } from "../text/index.js";

export const LINK_TYPES = ["similarity", "updates", "extends", "contradicts", "caused_by", "prerequisite_for"] as const;
export type LinkType = (typeof LINK_TYPES)[number];

/** A nearest neighbour of the memory being linked: same tenant, latest, live; nearest first. */
export interface LinkNeighbour {
  id: number;
  /** Its first 16 KB (LINK_SCAN_CHARS in auto-link.ts), as the memory being linked is given. */
  content: string;
  /** Cosine of the vectors, or the lexical Jaccard when the memory has no vector. */
  similarity: number;
}

export interface ProposedLink {
  sourceId: number;
  targetId: number;
  type: LinkType;
  similarity: number;
}

/**
 * Decides which typed links join a memory to its neighbours. The rules below are the
 * default; an LLM-backed classifier can take their place behind the same interface.
 * `threshold` is the similarity above which two memories are about the same thing, on the
 * scale of the neighbours' `similarity` (cosine or Jaccard).
 */
export interface LinkClassifier {
  classify(memory: { id: number; content: string }, neighbours: readonly LinkNeighbour[], threshold: number): ProposedLink[] | Promise<ProposedLink[]>;
}

interface Cue {
  type: Exclude<LinkType, "similarity">;
  pattern: RegExp;
  /** forward: memory → neighbour; reverse: neighbour → memory. */
  direction: "forward" | "reverse";
  /**
   * clause: the neighbour must cover the words after the cue ("because <the cause>");
   * whole: the cue qualifies the memory as a whole, so it applies to the nearest neighbour.
   */
  match: "clause" | "whole";
}

/** Order matters: the first cue of a type that finds a neighbour wins for that type. */
const CUES: readonly Cue[] = [
  { type: "caused_by", direction: "forward", match: "clause", pattern: /\b(?:because(?: of)?|due to|caused by|as a result of|owing to|result(?:ed|s)? from|triggered by)\b/i },
  { type: "caused_by", direction: "reverse", match: "clause", pattern: /\b(?:led to|leads? to|resulted in|results in|causes|caused(?! by)|triggered(?! by)|which is why|that is why)\b/i },
  { type: "prerequisite_for", direction: "forward", match: "clause", pattern: /\b(?:(?:is|are) (?:required|needed|a prerequisite) (?:for|by|before)|must (?:be done|happen|run) before|prerequisite (?:for|of)|before (?:you|we|one) can)\b/i },
  { type: "prerequisite_for", direction: "reverse", match: "clause", pattern: /\b(?:requires|required(?! (?:for|by|before))|depends on|relies on|needs|only works (?:after|with)|after installing|prerequisites?)\b/i },
  { type: "updates", direction: "forward", match: "whole", pattern: /\b(?:no longer|not anymore|now|changed (?:to|from)|moved (?:to|from)|switched (?:to|from)|replaced (?:by|with)|instead of|renamed|migrated (?:to|from)|as of|deprecated|superseded)\b/i },
  { type: "contradicts", direction: "forward", match: "whole", pattern: /\b(?:contrary to|contradicts?|not true|(?:is|was) wrong|incorrect|disagree|in fact)\b/i },
  { type: "extends", direction: "forward", match: "whole", pattern: /\b(?:also|additionally|in addition|furthermore|moreover|as well|more on|follow[- ]up|building on|extends|expanding on)\b/i },
];

const NEGATION = /\b(?:not|never|no|cannot|none|nobody|nothing)\b|n't\b/i;
/** A clause cue links to a neighbour only if it is at least this fraction of the threshold similar... */
const CUE_SIMILARITY_RATIO = 0.5;
/** ...and covers at least this share of the clause's words. */
const MIN_CLAUSE_COVERAGE = 0.4;
/** Two near-identical statements of opposite polarity contradict each other. */
const MIN_CONTRADICTION_OVERLAP = 0.6;

/** The words after a cue, up to the end of its sentence. */
function clauseAfter(text: string, match: RegExpExecArray): string {
  const rest = text.slice(match.index + match[0].length);
  const end = rest.search(/[.!?;\n]/);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The rule-based classifier: similarity above the threshold, typed links where textual cues show them. */
export const ruleClassifier: LinkClassifier = {
  classify(memory, neighbours, threshold) {
    const out: ProposedLink[] = [];
    const has = new Set<string>();
    const add = (n: LinkNeighbour, type: LinkType, forward: boolean) => {
      const key = `${n.id}:${type}`;
      if (has.has(key)) return;
      has.add(key);
      out.push({ sourceId: forward ? memory.id : n.id, targetId: forward ? n.id : memory.id, type, similarity: n.similarity });
    };

    for (const n of neighbours) if (n.similarity >= threshold) add(n, "similarity", true);

    const terms = new Map(neighbours.map((n) => [n.id, contentTerms(n.content)]));
    const typed = new Set<LinkType>();
    for (const cue of CUES) {
      if (typed.has(cue.type)) continue;
      const m = cue.pattern.exec(memory.content);
      if (!m) continue;
      let target: LinkNeighbour | undefined;
      if (cue.match === "whole") {
        target = neighbours.find((n) => n.similarity >= threshold);
      } else {
        const clause = contentTerms(clauseAfter(memory.content, m));
        let best = 0;
        for (const n of neighbours) {
          if (clause.size === 0 || n.similarity < threshold * CUE_SIMILARITY_RATIO) continue;
          const coverage = sharedCount(clause, terms.get(n.id)!) / clause.size;
          if (coverage >= MIN_CLAUSE_COVERAGE && coverage > best) (best = coverage), (target = n);
        }
      }
      if (target) {
        add(target, cue.type, cue.direction === "forward");
        typed.add(cue.type);
      }
    }

    // Opposite polarity over nearly the same words: "X is enabled" / "X is not enabled".
    if (!typed.has("updates")) {
      const mine = contentTerms(memory.content);
      const negated = NEGATION.test(memory.content);
      for (const n of neighbours) {
        if (n.similarity < threshold || NEGATION.test(n.content) === negated) continue;
        const theirs = terms.get(n.id)!;
        const overlap = sharedCount(mine, theirs) / Math.max(1, Math.min(mine.size, theirs.size));
        if (overlap >= MIN_CONTRADICTION_OVERLAP) add(n, "contradicts", true);
      }
    }
    return out;
  },
};
