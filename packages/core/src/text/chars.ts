/**
 * Character classes for the linear text scanners (entity rules, query names, windows): each
 * test looks at one UTF-16 unit or code point and never backtracks, so a scanner built from
 * them costs a fixed amount per character whatever the text holds.
 */

/** `\w` of a regular expression: ASCII letters, digits and `_` (with or without the u flag). */
export const isAsciiWord = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
export const isAsciiAlnum = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
export const isAsciiLetter = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
export const isAsciiUpper = (c: number): boolean => c >= 65 && c <= 90;
export const isAsciiLower = (c: number): boolean => c >= 97 && c <= 122;
export const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** `\s` of a regular expression: ASCII whitespace, the Unicode space separators, line separators and BOM. */
export function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** The character code at `i`, or -1 outside the text (a position before the start or past the end). */
export const codeAt = (text: string, i: number): number => (i >= 0 && i < text.length ? text.charCodeAt(i) : -1);

/**
 * `\b` of a regular expression (ASCII word characters, as JavaScript defines it without the
 * i+u flags): one side of position `i` is a word character and the other is not.
 */
export const asciiBoundary = (text: string, i: number): boolean => isAsciiWord(codeAt(text, i - 1)) !== isAsciiWord(codeAt(text, i));

const LETTER_OR_NUMBER = /[\p{L}\p{N}]/u;
/** \p{L}|\p{N} for the Basic Multilingual Plane, filled in as characters are met: 0 unknown, 1 yes, 2 no. */
const bmpLetterOrNumber = new Uint8Array(65536);

/** `[\p{L}\p{N}]` for one code point. */
export function isLetterOrNumber(cp: number): boolean {
  if (cp < 128) return isAsciiAlnum(cp);
  if (cp < 65536) {
    let known = bmpLetterOrNumber[cp]!;
    if (known === 0) bmpLetterOrNumber[cp] = known = LETTER_OR_NUMBER.test(String.fromCharCode(cp)) ? 1 : 2;
    return known === 1;
  }
  return LETTER_OR_NUMBER.test(String.fromCodePoint(cp));
}

/** The code point that starts at `i` (a lone surrogate is its own code point), or -1 past the end. */
export function codePointAt(text: string, i: number): number {
  return i >= 0 && i < text.length ? text.codePointAt(i)! : -1;
}

/** The code point that ends just before `i`, or -1 at the start. */
export function codePointBefore(text: string, i: number): number {
  if (i <= 0) return -1;
  const low = text.charCodeAt(i - 1);
  if (low >= 0xdc00 && low <= 0xdfff && i >= 2) {
    const high = text.charCodeAt(i - 2);
    if (high >= 0xd800 && high <= 0xdbff) return (high - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
  }
  return low;
}

/** UTF-16 units of a code point: 2 for the astral planes. */
export const unitsOf = (cp: number): number => (cp > 0xffff ? 2 : 1);

/** A word longer than this (no real name is) is cut where the window ends. */
const WORD_BACKOFF = 256;

/**
 * The first `maxChars` characters of a text, for scanners that read only a bounded start of it.
 * When the cut falls inside a word (a run of non-whitespace), it moves back to the whitespace
 * before that word, at most `WORD_BACKOFF` characters, so no half-read word becomes a name
 * ("api.exam" out of "api.example.com"); a longer run is cut where it is. Never splits a
 * surrogate pair. Reads only `text[0..maxChars]`, so a caller may pass `maxChars + 1` characters.
 */
export function leadingWindow(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let cut = maxChars;
  if (!isSpace(text.charCodeAt(cut))) {
    const floor = Math.max(0, cut - WORD_BACKOFF);
    let i = cut;
    while (i > floor && !isSpace(text.charCodeAt(i - 1))) i--;
    if (i > 0 && isSpace(text.charCodeAt(i - 1))) cut = i;
  }
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return text.slice(0, cut);
}
