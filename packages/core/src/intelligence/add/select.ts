import { detectSignals } from "../personality/detect.js";

/**
 * The rules path of POST /add (contracts/intelligence.md §5.1): which sentences of a chat are
 * worth remembering. A kept sentence states something about the speaker (first person) or
 * matches a fact or personality pattern; it has four words or more and is not a question, a
 * greeting, thanks or filler.
 */

export interface Selected {
  content: string;
  category: "preference" | "fact";
}

const FIRST_PERSON = /\b(?:i|i'm|i've|i'd|i'll|im|my|me|mine|myself|we|we're|we've|our|ours|us)\b/i;
// The fact patterns of §4 that can hold without a first-person word ("Dana lives in Oslo").
const FACT_PATTERN =
  /\b(?:lives? in|living in|moved to|relocated to|based in|staying in|works? (?:at|for|as)|employed at|joined|got promoted to|became|is located in|is headquartered in|name is|years old|favou?rite|bought|purchased|ordered|spent|owns?|earned)\b/i;
const PREFERENCE = /\b(?:like|likes|love|loves|enjoy|enjoys|prefer|prefers|adore|hate|hates|dislike|dislikes|can't stand|favou?rite)\b/i;
const GREETING = /^(?:hi|hello|hey|hiya|howdy|greetings|good (?:morning|afternoon|evening|night)|bye|goodbye|see you)\b/i;
const THANKS = /^(?:thanks|thank you|thx|ty|cheers|much appreciated|appreciate it)\b/i;
const FILLER_ONLY = /^(?:ok|okay|sure|yes|no|yeah|yep|nope|cool|great|nice|lol|haha|hmm|alright|got it|sounds good|i see|right)\b[\s\p{P}]*$/iu;
// Opening words that carry nothing; stripped before the sentence is judged and stored.
const LEADING_FILLER = /^(?:(?:so|well|basically|actually|anyway|anyways|um+|uh+|oh|ok|okay|like|i mean|you know|hi|hello|hey)\b[\s,]*)+/i;
const REQUEST = /^(?:can|could|would|will)\s+you\b|^(?:please|let's|lets)\b/i;

export function sentences(text: string): string[] {
  return (text.match(/[^.!?\n]+(?:[.!?]+|$)/gm) ?? []).map((s) => s.trim()).filter(Boolean);
}

/** Why a sentence is not kept, or null when it is. */
function rejection(s: string): string | null {
  if (s.endsWith("?")) return "question";
  if (THANKS.test(s)) return "thanks";
  if (FILLER_ONLY.test(s)) return "filler";
  if (REQUEST.test(s)) return "request";
  if (s.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length < 4) return "short";
  if (GREETING.test(s)) return "greeting";
  if (!FIRST_PERSON.test(s) && !FACT_PATTERN.test(s) && detectSignals(s).length === 0) return "no statement";
  return null;
}

/** The kept sentences of one message, leading fillers stripped, each with its category. */
export function selectSentences(text: string): { kept: Selected[]; skipped: number } {
  const kept: Selected[] = [];
  let skipped = 0;
  for (const raw of sentences(text)) {
    const stripped = raw.replace(LEADING_FILLER, "").trim();
    const s = stripped ? stripped[0]!.toUpperCase() + stripped.slice(1) : stripped;
    if (!s || rejection(s) !== null) {
      skipped++;
      continue;
    }
    kept.push({ content: s, category: PREFERENCE.test(s) ? "preference" : "fact" });
  }
  return { kept, skipped };
}
