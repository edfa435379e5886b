import { forEachWord, isWordChar, jaccard } from "../../text/index.js";

/**
 * Word sets at least this similar (Jaccard) say the same thing: a context has no room for a
 * second copy that adds or drops a word or two. Lower would start to catch different replies
 * that share their phrasing ("Sounds great, Mel!" / "Sounds great, Caroline!").
 */
const NEAR_DUPLICATE_JACCARD = 0.8;

/** What the comparison needs of a memory's text, computed once per memory. */
export interface TextSignature {
  /** Lower-cased words, whitespace and punctuation ignored: equal keys are the same text. */
  key: string;
  words: Set<string>;
  /** Lower-cased words that carry a fact of their own: any with a digit, or written with a capital. */
  specific: Set<string>;
}

export function textSignature(text: string): TextSignature {
  const all: string[] = [];
  const specific = new Set<string>();
  forEachWord(text, isWordChar, (w) => {
    const lower = w.toLowerCase();
    all.push(lower);
    if (lower !== w || /\d/.test(w)) specific.add(lower);
  });
  return { key: all.join(" "), words: new Set(all), specific };
}

/**
 * Whether `b` repeats `a`: the same words in the same order, or nearly the same word set and
 * no difference in a number or a name. "Backup runs at 01:30" and "Backup runs at 02:30", or
 * the same sentence about Caroline and about Melanie, are different facts, however alike.
 * A word capitalised only because it starts a sentence counts as a name here: that errs on
 * the side of keeping both.
 */
export function isNearDuplicate(a: TextSignature, b: TextSignature): boolean {
  if (a.key === b.key) return true;
  if (jaccard(a.words, b.words) < NEAR_DUPLICATE_JACCARD) return false;
  for (const w of a.words) if (!b.words.has(w) && a.specific.has(w)) return false;
  for (const w of b.words) if (!a.words.has(w) && b.specific.has(w)) return false;
  return true;
}
