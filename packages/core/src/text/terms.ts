import { STOPWORDS } from "./stopwords.js";
import { forEachWord, isWordChar } from "./words.js";
/** Longest suffix first, so "upgrades" loses "es" rather than "s". */
const SUFFIXES = ["ing", "ed", "es", "s", "e"];

/**
 * A crude stem: enough for "upgrade", "upgrades" and "upgraded" to meet, which is all the
 * rule-based linker needs. Short words are left alone.
 */
function stem(word: string): string {
  if (word.length <= 4) return word;
  for (const s of SUFFIXES) {
    if (word.endsWith(s) && word.length - s.length >= 3) return word.slice(0, -s.length);
  }
  return word;
}

/** The content words of a text: lower-cased, stopwords out, stemmed, as a set. */
export function contentTerms(text: string): Set<string> {
  const out = new Set<string>();
  forEachWord(text.toLowerCase(), isWordChar, (w) => {
    if (!STOPWORDS.has(w)) out.add(stem(w));
  });
  return out;
}

export function sharedCount(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let n = 0;
  for (const t of small) if (large.has(t)) n++;
  return n;
}

/** |a ∩ b| / |a ∪ b|: the lexical similarity used when a memory has no vector. */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  const shared = sharedCount(a, b);
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}
