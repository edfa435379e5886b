/**
 * 64-bit SimHash over lowercase alphanumeric tokens of length >= 3, weighted by frequency.
 * The 64-bit token hash is two 32-bit FNV-1a hashes with different offsets, which keeps the
 * arithmetic in plain numbers instead of BigInt.
 */
import { isLetterOrNumber } from "../text/index.js";
import { forEachWord } from "../text/index.js";

/** Runs of letters and digits (`[\p{L}\p{N}]+`) of three or more characters, lower-cased. */
export function simhashTokens(text: string): string[] {
  const out: string[] = [];
  forEachWord(text.toLowerCase(), isLetterOrNumber, (w) => {
    if (w.length >= 3) out.push(w);
  });
  return out;
}

/** Whether the text has any SimHash token, reading only as far as the first one. */
export function hasSimhashTokens(text: string): boolean {
  let found = false;
  forEachWord(text.toLowerCase(), isLetterOrNumber, (w) => !(found = w.length >= 3));
  return found;
}

function fnv1a32(s: string, offset: number): number {
  let h = offset >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Returns the fingerprint as 16 hex digits ("0000000000000000" when there are no tokens). */
export function simhash(text: string): string {
  const weights = new Int32Array(64);
  for (const tok of simhashTokens(text)) {
    const hi = fnv1a32(tok, 0x811c9dc5);
    const lo = fnv1a32(tok, 0x9747b28c);
    for (let bit = 0; bit < 32; bit++) {
      weights[bit]! += (hi >>> bit) & 1 ? 1 : -1;
      weights[32 + bit]! += (lo >>> bit) & 1 ? 1 : -1;
    }
  }
  let hi = 0;
  let lo = 0;
  for (let bit = 0; bit < 32; bit++) {
    if (weights[bit]! > 0) hi |= 1 << bit;
    if (weights[32 + bit]! > 0) lo |= 1 << bit;
  }
  return (hi >>> 0).toString(16).padStart(8, "0") + (lo >>> 0).toString(16).padStart(8, "0");
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

export function hammingDistance(a: string, b: string): number {
  const ah = parseInt(a.slice(0, 8), 16);
  const al = parseInt(a.slice(8), 16);
  const bh = parseInt(b.slice(0, 8), 16);
  const bl = parseInt(b.slice(8), 16);
  return popcount32((ah ^ bh) >>> 0) + popcount32((al ^ bl) >>> 0);
}
