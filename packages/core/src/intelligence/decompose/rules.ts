import { sentencesOf } from "../facts/index.js";

/** How a memory was split (POST /intelligence/decompose): the LLM, clause rules, plain sentences, or not at all. */
export type DecomposeTier = "llm" | "tier2-rules" | "tier3-template";

const MIN_FACT = 5;
const MAX_FACT = 1000;
export const MAX_FACTS = 10;

/** Openings that carry nothing ("So, …", "Basically …", "I mean …"). */
const FILLER_OPENING = /^(?:(?:so|basically|i mean|well|anyway|anyways|um+|uh+|okay|ok|oh|actually|honestly|like|you know)\b[,\s]*)+/i;
/** Openings about the conversation, not the world ("As I mentioned, …", "In summary, …"): dropped, and the sentence with them when nothing else is left. */
const META = /^(?:(?:as i (?:mentioned|said)|like i said|as (?:mentioned|noted|discussed)|in summary|to summarize|to sum up|in conclusion|overall|that's (?:all|it)|thanks|thank you)\b[,:\s]*)+/i;
/** A subject that can be carried to a clause starting with its verb: a pronoun or a capitalised name. */
const CARRIED = /^(?:(?:I|We|You|He|She|They)\b|[A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*){0,2}(?=\s+[a-z]))/;
/** A clause that names its own subject at its start. */
const OWN_SUBJECT = /^(?:i|we|you|he|she|they|it|the|a|an|my|our|your|their|his|her|its|this|that|these|those|there)\b/i;
const ownSubject = (part: string) => OWN_SUBJECT.test(part) || /^[A-Z]/.test(part);
/** A clause that starts with a verb (a past form, or a common verb), to which a subject can be carried. */
const STARTS_WITH_VERB =
  /^(?:\w+ed|am|is|are|was|were|have|has|had|do|does|did|can|will|would|should|must|never|also|still|live|lives|work|works|use|uses|run|runs|like|likes|love|loves|prefer|prefers|hate|hates|need|needs|want|wants|go|goes|went|play|plays|own|owns|keep|keeps|make|makes|made|take|takes|took|get|gets|got|drive|drives|drove|bought|ran|spent|built|wrote|found|moved|joined|deploy|deploys|plan|plans|study|studies|speak|speaks|know|knows|teach|teaches|manage|manages|lead|leads|led)\b/i;
const OPENING_WORD = /^(?:the|a|an|my|our|your|their|his|her|its|this|that|these|those|there|it)$/i;

const tidy = (s: string) => {
  const t = s.trim().replace(/[,;:\s]+$/, "");
  if (t.length === 0) return t;
  const capital = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
};
const words = (s: string) => s.split(/\s+/).filter(Boolean).length;
const fits = (s: string) => s.length >= MIN_FACT && s.length <= MAX_FACT;

/**
 * A sentence cut into clauses at `;`, "and", "but", each self-contained: a clause that starts with
 * its verb gets the sentence's subject ("I live in Oslo and work at Acme" → "I work at Acme").
 * A cut is made only where both sides have three words or more, so "salt and pepper" stays whole.
 */
function clauses(sentence: string): string[] {
  const found = CARRIED.exec(sentence)?.[0] ?? null;
  const subject = found && !OPENING_WORD.test(found) ? found : null;
  const parts = sentence.split(/\s*;\s*|,?\s+(?:and|but)\s+/);
  const out: string[] = [];
  for (const raw of parts) {
    const part = raw.trim();
    const last = out.length - 1;
    if (last >= 0 && (words(part) < 3 || words(out[last]!) < 3)) {
      out[last] = `${out[last]} and ${part}`;
      continue;
    }
    if (last >= 0 && !ownSubject(part)) {
      // A clause that starts with its verb takes the sentence's subject; anything else ("salt and
      // pepper") stays joined to the clause before it.
      if (subject && STARTS_WITH_VERB.test(part)) out.push(`${subject} ${part}`);
      else out[last] = `${out[last]} and ${part}`;
      continue;
    }
    out.push(part);
  }
  return out;
}

/**
 * The rules tiers of contracts/intelligence.md §3: sentences, then clauses with the subject carried
 * over, fillers and meta sentences dropped (tier2-rules); else the plain sentences (tier3-template).
 * Fewer than two facts: nothing to split (tier null).
 */
export function decomposeByRules(content: string): { facts: string[]; tier: DecomposeTier | null } {
  const sentences = sentencesOf(content);
  const tier2 = sentences
    .map((s) => s.replace(FILLER_OPENING, "").replace(META, "").replace(FILLER_OPENING, ""))
    .filter((s) => words(s) >= 3)
    .flatMap(clauses)
    .map(tidy)
    .filter(fits);
  if (tier2.length >= 2) return { facts: [...new Set(tier2)].slice(0, MAX_FACTS), tier: "tier2-rules" };
  const tier3 = sentences.map(tidy).filter(fits);
  if (tier3.length >= 2) return { facts: [...new Set(tier3)].slice(0, MAX_FACTS), tier: "tier3-template" };
  return { facts: [], tier: null };
}
