import { forEachWord, isWordChar } from "./words.js";
import { STOPWORDS } from "./stopwords.js";

const MAX_TERMS = 64;

/**
 * The user's words (`[\p{L}\p{N}_]+`), lowercased, stopwords out (unless nothing else is
 * left), deduplicated, at most MAX_TERMS. One pass that stops once MAX_TERMS distinct content
 * words are in hand: a memory's text used as a query (auto-linking) rarely needs reading to
 * its end.
 */
export function queryTerms(text: string): string[] {
  const content = new Set<string>();
  const stop = new Set<string>();
  forEachWord(text.toLowerCase(), isWordChar, (w) => {
    if (!STOPWORDS.has(w)) content.add(w);
    else if (content.size === 0 && stop.size < MAX_TERMS) stop.add(w);
    return content.size < MAX_TERMS;
  });
  return [...(content.size > 0 ? content : stop)].slice(0, MAX_TERMS);
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

/**
 * An FTS5 MATCH expression for text containing any of the phrases: each phrase's words
 * (`[\p{L}\p{N}_]+`) as one quoted string, so the words must appear together and in order;
 * phrases are OR-ed. Returns null when no phrase has a word.
 */
export function buildPhraseQuery(phrases: readonly string[]): string | null {
  const quoted = phrases
    .map((n) => [...n.matchAll(/[\p{L}\p{N}_]+/gu)].map((w) => w[0]).join(" "))
    .filter(Boolean)
    .map((p) => `"${p}"`);
  return quoted.length ? quoted.join(" OR ") : null;
}
