import { countTokens as countBpe, setMergeCacheSize } from "gpt-tokenizer";
import { O200K_TOKEN_SPLIT_REGEX } from "gpt-tokenizer/encodingParams/constants";
import { isSpace } from "./chars.js";

/**
 * Token counts for context budgets: o200k_base through gpt-tokenizer, exact on ordinary text,
 * with a cost bounded per character whatever the text holds.
 *
 * Why not gpt-tokenizer's countTokens alone: it splits text into pieces (words, number
 * groups, punctuation runs) and merges each piece's bytes by repeatedly scanning all of
 * them for the best pair, which is quadratic in the piece's length. Ordinary words are
 * short, but a memory without spaces is one piece: 20 KB of "aé" took 0.6 s, 100 KB over
 * 6 s, on the event loop. And its merge cache (100,000 entries by default) keeps every
 * distinct piece, 100 KB ones included.
 *
 * Here the text is split with the same expression the tokenizer uses. Pieces of at most
 * MAX_EXACT_PIECE characters are counted exactly, a run of them at a time, each run cut after
 * a piece that ends in a non-space character (such a run splits into the same pieces alone as
 * in the whole text, so the sum is the exact count). A longer piece, with any whitespace
 * pieces just before it, is counted as its UTF-8 byte length: an upper bound, since every
 * token is at least one byte. So:
 * - on text whose pieces are all short (any ordinary prose, code or identifiers) the count
 *   is exactly gpt-tokenizer's;
 * - otherwise it is larger than the exact count, never smaller, so a context assembled
 *   against it still fits its budget;
 * - the merge work is at most MAX_EXACT_PIECE steps per character, and the merge cache only
 *   ever holds short pieces, MERGE_CACHE_ENTRIES of them.
 * Special-token text ("<|endoftext|>") in a memory is counted as plain text: gpt-tokenizer
 * would throw on it, failing the whole request.
 */

/**
 * The longest piece counted exactly: 64 characters. Merging a piece of n characters costs
 * about n² steps (64 → a few µs); no English word is this long (pieces break at spaces,
 * digits and punctuation, and camel case), so only letter runs without spaces reach it,
 * such as long unpunctuated CJK sentences, where bytes overcount about threefold.
 */
const MAX_EXACT_PIECE = 64;
/** Short pieces are counted in runs of about this many characters, so a count can stop soon after passing its limit. */
const RUN_CHARS = 4096;
/** Pieces are at most MAX_EXACT_PIECE characters, so the cache holds at most about 20,000 × 64 characters. */
const MERGE_CACHE_ENTRIES = 20_000;
/** The longest o200k token is 128 bytes (a run of spaces): a text of more than 128·n bytes has more than n tokens. */
const MAX_TOKEN_BYTES = 128;

setMergeCacheSize(MERGE_CACHE_ENTRIES);

const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };
const exact = (text: string) => (text ? countBpe(text, PLAIN_TEXT) : 0);

/** Tokens of `text` (see the top of this file: exact unless a piece is longer than 64 characters, then more). */
export function countTokens(text: string): number {
  return countUpTo(text, Infinity);
}

/**
 * Tokens of `text` if they are at most `limit`, else null, reading no more of the text than
 * it takes to pass the limit: a block that cannot fit costs little to reject. The byte
 * length decides first where it can: more than 128 bytes a token allowed rejects at once.
 */
export function tokensWithin(text: string, limit: number): number | null {
  if (limit < 0 || Buffer.byteLength(text, "utf8") > limit * MAX_TOKEN_BYTES) return null;
  const n = countUpTo(text, limit);
  return n <= limit ? n : null;
}

/** The count, or some number above `limit` once the count is sure to pass it. */
function countUpTo(text: string, limit: number): number {
  let total = 0;
  let runStart = 0;
  // Where the run may be cut: after a piece that ends in a non-space character. After a space
  // the cut is unsafe: "\t\t==" is the pieces "\t", "\t", "==", but "\t\t" alone is one piece.
  let safeEnd = 0;
  for (const m of text.matchAll(O200K_TOKEN_SPLIT_REGEX)) {
    const end = m.index + m[0].length;
    if (m[0].length > MAX_EXACT_PIECE) {
      // The run up to its last safe cut exactly; from there to the end of the long piece, bytes.
      total += exact(text.slice(runStart, safeEnd)) + Buffer.byteLength(text.slice(safeEnd, end), "utf8");
      runStart = safeEnd = end;
    } else if (isSpace(text.charCodeAt(end - 1))) {
      continue;
    } else if (end - runStart >= RUN_CHARS) {
      total += exact(text.slice(runStart, end));
      runStart = safeEnd = end;
    } else {
      safeEnd = end;
      continue;
    }
    if (total > limit) return total;
  }
  return total + exact(text.slice(runStart));
}
