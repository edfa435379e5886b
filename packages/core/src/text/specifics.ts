import { forEachWord, isWordChar } from "./words.js";

/** What comparing two texts' facts needs of each, computed once per text. */
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
 * Whether one text has a number or a name the other lacks: "Backup runs at 01:30" and
 * "Backup runs at 02:30", or one sentence about Caroline and about Melanie, state different
 * facts however alike the rest is. A word capitalised only because it starts a sentence
 * counts as a name here: that errs on the side of keeping both texts.
 */
export function differInSpecifics(a: TextSignature, b: TextSignature): boolean {
  for (const w of a.specific) if (!b.words.has(w)) return true;
  for (const w of b.specific) if (!a.words.has(w)) return true;
  return false;
}
