import { differInSpecifics, jaccard, type TextSignature } from "../../text/index.js";

/**
 * Word sets at least this similar (Jaccard) say the same thing: a context has no room for a
 * second copy that adds or drops a word or two. Lower would start to catch different replies
 * that share their phrasing ("Sounds great, Mel!" / "Sounds great, Caroline!").
 */
const NEAR_DUPLICATE_JACCARD = 0.8;

/**
 * Whether `b` repeats `a`: the same words in the same order, or nearly the same word set and
 * no difference in a number or a name.
 */
export function isNearDuplicate(a: TextSignature, b: TextSignature): boolean {
  if (a.key === b.key) return true;
  return jaccard(a.words, b.words) >= NEAR_DUPLICATE_JACCARD && !differInSpecifics(a, b);
}
