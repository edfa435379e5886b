/**
 * The rules-only personality detector (contracts/intelligence.md §5.7): six signal types found
 * by fixed patterns, clause by clause, with intensity adjusted by intensifiers, "!" and capitals.
 * Linear in the text's length; no LLM, no I/O.
 */

export const SIGNAL_TYPES = ["preference", "value", "motivation", "decision", "emotion", "identity"] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];
export const VALENCES = ["positive", "negative", "neutral", "mixed"] as const;
export type Valence = (typeof VALENCES)[number];

export interface DetectedSignal {
  signal_type: SignalType;
  subject: string;
  valence: Valence;
  /** Intensity 0..1 after adjustments (the contract's `value`). */
  value: number;
  source_text: string;
  reasoning: string;
}

interface Pattern {
  type: SignalType;
  valence: Valence;
  base: number;
  /** Group 1 is the subject. */
  re: RegExp;
  why: string;
}

const WE = String.raw`\b(?:i|we)\s+(?:(?:really|truly|very much|absolutely|also|still|do|genuinely|somewhat|slightly|barely|extremely)\s+)*`;

// Checked in order; a clause gives at most one signal of each type, and the first matching
// pattern of a type wins, so "don't like" is read before "like".
const PATTERNS: Pattern[] = [
  { type: "preference", valence: "positive", base: 0.8, re: /\bmy\s+favou?rite\s+[\p{L}\s-]{1,40}?\s+is\s+(.+)/iu, why: "names a favourite" },
  { type: "preference", valence: "negative", base: 0.6, re: new RegExp(`${WE}(?:hate|dislike|don't like|do not like|can't stand|cannot stand|avoid)\\s+(.+)`, "iu"), why: "states a dislike" },
  { type: "preference", valence: "positive", base: 0.6, re: new RegExp(`${WE}(?:love|like|enjoy|prefer|adore|am into)\\s+(.+)`, "iu"), why: "states a liking" },
  { type: "preference", valence: "positive", base: 0.6, re: /\b(?:i'm|we're)\s+(?:really\s+)?into\s+(.+)/iu, why: "states a liking" },
  { type: "decision", valence: "neutral", base: 0.5, re: new RegExp(`${WE}(?:decided to|chose to|am going to|are going to|switched to|opted for|went with)\\s+(.+)`, "iu"), why: "records a decision" },
  { type: "decision", valence: "neutral", base: 0.5, re: /\b(?:i'm|we're)\s+going to\s+(.+)/iu, why: "records a decision" },
  { type: "motivation", valence: "positive", base: 0.6, re: /\b(?:i\s+(?:really\s+)?want to|my goal is(?: to)?|i aspire to|i'm trying to|i am trying to|i hope to|i aim to)\s+(.+)/iu, why: "states an aim" },
  { type: "identity", valence: "neutral", base: 0.7, re: /\b(?:i am an?|i'm an?|i consider myself(?: an?)?|i identify as(?: an?)?)\s+(.+)/iu, why: "describes who they are" },
  { type: "value", valence: "positive", base: 0.7, re: /\bi\s+(?:really\s+|truly\s+|deeply\s+)?(?:value|believe in|care about)\s+(.+)/iu, why: "states a value" },
  { type: "value", valence: "positive", base: 0.7, re: /^(?:(?:and|but|so)\s+)?(.+?)\s+(?:is|are)\s+(?:really\s+|very\s+|so\s+)?important to me\b/iu, why: "states a value" },
  { type: "value", valence: "positive", base: 0.7, re: /^(?:(?:and|but|so)\s+)?(.+?)\s+(?:matters|matter)\s+(?:a lot\s+)?to me\b/iu, why: "states a value" },
];

const EMOTIONS: Record<string, [Valence, number]> = {
  happy: ["positive", 0.6],
  excited: ["positive", 0.7],
  grateful: ["positive", 0.6],
  proud: ["positive", 0.7],
  relieved: ["positive", 0.5],
  thrilled: ["positive", 0.8],
  content: ["positive", 0.4],
  sad: ["negative", 0.6],
  angry: ["negative", 0.7],
  frustrated: ["negative", 0.6],
  anxious: ["negative", 0.6],
  stressed: ["negative", 0.6],
  disappointed: ["negative", 0.6],
  overwhelmed: ["negative", 0.7],
  lonely: ["negative", 0.6],
  worried: ["negative", 0.5],
  bored: ["negative", 0.4],
};
// "content" is an emotion only as "I'm content" / "feel content", never the noun.
const EMOTION_RE = new RegExp(`\\b(?:(${Object.keys(EMOTIONS).filter((k) => k !== "content").join("|")})|(?:am|i'm|feel|feeling|felt)\\s+(content))\\b`, "iu");

const INTENSIFIERS: [RegExp, number][] = [
  [/\bextremely\b/i, 1.4],
  [/\b(?:very|really)\b/i, 1.3],
  [/\b(?:somewhat|slightly)\b/i, 0.7],
  [/\bbarely\b/i, 0.5],
];

const LEADING_ARTICLE = /^(?:the|a|an|my|our|your|his|her|their|its)\s+/i;
// A subject ends where a linking word or a new first-person clause starts ("… and I am …"),
// but not at a plain "and" ("hiking and biking" is one subject).
const SUBJECT_END = /\s+(?:because|since|but|so|which|when|while|although|and (?:i|i'm|we|my|our))\b.*$/i;

/** Sentences, then clauses at commas and semicolons; each clause keeps its punctuation. */
function clauses(text: string): { clause: string; sentence: number }[] {
  const out: { clause: string; sentence: number }[] = [];
  const sentences = text.match(/[^.!?\n]+[.!?]*|[.!?]+/g) ?? [];
  sentences.forEach((s, i) => {
    for (const part of s.match(/[^,;]+[,;]?/g) ?? []) {
      const clause = part.trim().replace(/^(?:and|but|so|also)\s+/i, "");
      if (clause) out.push({ clause, sentence: i });
    }
  });
  return out;
}

function cleanSubject(raw: string): string | null {
  let s = raw.replace(SUBJECT_END, "").replace(/[\s,;:.!?"')]+$/u, "").trim();
  while (LEADING_ARTICLE.test(s)) s = s.replace(LEADING_ARTICLE, "");
  if (s.length > 100) s = s.slice(0, 100).replace(/\s+\S*$/, "");
  return s.length >= 3 ? s : null;
}

/** The base intensity adjusted for this clause: intensifiers multiply, "!" and capitals add. */
export function adjustIntensity(base: number, clause: string): number {
  let v = base;
  for (const [re, factor] of INTENSIFIERS) if (re.test(clause)) v *= factor;
  if (clause.includes("!")) v += 0.1;
  // Shouting: the whole clause in capitals, or a word of four or more (three-letter acronyms are common).
  if ((/[A-Z]{3,}/.test(clause) && !/\p{Ll}/u.test(clause)) || /\b[A-Z]{4,}\b/.test(clause)) v += 0.2;
  return Math.round(Math.min(1, Math.max(0, v)) * 100) / 100;
}

export function detectSignals(text: string): DetectedSignal[] {
  const out: DetectedSignal[] = [];
  const emotionIn = new Set<number>();
  for (const { clause, sentence } of clauses(text)) {
    const seen = new Set<SignalType>();
    for (const p of PATTERNS) {
      if (seen.has(p.type)) continue;
      const m = p.re.exec(clause);
      const subject = m ? cleanSubject(m[1]!) : null;
      if (!subject) continue;
      seen.add(p.type);
      out.push({ signal_type: p.type, subject, valence: p.valence, value: adjustIntensity(p.base, clause), source_text: clause, reasoning: `rules: ${p.why}` });
    }
    if (!emotionIn.has(sentence)) {
      const m = EMOTION_RE.exec(clause);
      const word = (m?.[1] ?? m?.[2])?.toLowerCase();
      if (word) {
        emotionIn.add(sentence);
        const [valence, base] = EMOTIONS[word]!;
        out.push({ signal_type: "emotion", subject: word, valence, value: adjustIntensity(base, clause), source_text: clause, reasoning: `rules: says they feel ${word}` });
      }
    }
  }
  return out;
}
