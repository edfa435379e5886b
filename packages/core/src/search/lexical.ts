import type { TextIndex } from "../graph/index.js";
import { buildFtsQuery, buildPhraseQuery } from "../text/index.js";
import type { LexicalHit, LexicalStore, SearchFilters } from "./store.js";

/**
 * FTS5 BM25 over the user's memories. The MATCH expression is built from words only
 * (see buildFtsQuery), and the join on memories scopes every hit to the tenant.
 */
export function lexicalSearch(store: LexicalStore, userId: number, query: string, limit: number, f: SearchFilters = {}): LexicalHit[] {
  const match = buildFtsQuery(query);
  return match ? store.search(userId, match, limit, f) : [];
}

/** The FTS5 index as the graph reads it (graph/text-index.ts): linking candidates and entity mentions. */
export function graphTextIndex(store: LexicalStore): TextIndex {
  return {
    similar: (userId, text, limit) => lexicalSearch(store, userId, text, limit).map((h) => h.id),
    withPhrases: (userId, phrases, limit, chars) => {
      const match = buildPhraseQuery(phrases);
      return match ? store.withPhrases(userId, match, limit, chars) : [];
    },
  };
}
