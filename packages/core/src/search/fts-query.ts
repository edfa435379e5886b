import { STOPWORDS } from "./stopwords.js";

const WORD_RE = /[\p{L}\p{N}_]+/gu;
const MAX_TERMS = 64;

/** The user's words, lowercased, stopwords out (unless nothing else is left), deduplicated. */
export function queryTerms(text: string): string[] {
  const words = [...text.toLowerCase().matchAll(WORD_RE)].map((m) => m[0]);
  const content = words.filter((w) => !STOPWORDS.has(w));
  return [...new Set(content.length > 0 ? content : words)].slice(0, MAX_TERMS);
}

/**
 * Builds an FTS5 MATCH expression from arbitrary text. Every term is a quoted string, so
 * FTS5 operators in the input (NEAR, OR, -, *, quotes, parentheses, column filters) are
 * only ever words. Terms are OR-ed: a paraphrase that shares some words still ranks.
 * Returns null when the text has no words at all.
 */
export function buildFtsQuery(text: string): string | null {
  const terms = queryTerms(text);
  if (terms.length === 0) return null;
  return terms.map((t) => `"${t}"`).join(" OR ");
}
