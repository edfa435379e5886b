import { queryTerms } from "../text/index.js";
import type { WordNet } from "./expansion/wordnet.js";
import type { LexicalStore } from "./store.js";

/** Document frequencies are counted up to this many memories (see LexicalStore.docFreq). */
const DF_CAP = 5_000;
/** A query word matched only through a synonym counts at this share of its IDF weight. */
export const SYNONYM_WEIGHT = 0.5;
/** Query words whose synonyms are looked up (the first ones; a query is rarely longer). */
const MAX_EXPANDED = 16;

/**
 * Lexical evidence in absolute terms: the share of the query's IDF mass a memory matches.
 * BM25 ranks memories against each other, so its best hit looks equally good whether it
 * matches every rare word of the query or one common one; the IDF share says which. IDF
 * comes from the tenant's own memories (its live count and each term's document frequency),
 * and a term matches as the full-text index matches it (same tokenizer and stemmer).
 * Matches are looked up per term for the ids asked about, and remembered, so a search pays
 * for each candidate once.
 *
 * With WordNet synonyms, a memory that misses a query word but holds one of its synonyms
 * matches that word at SYNONYM_WEIGHT of its share: "what made us pick our language" reaches
 * "we chose Go", less surely than a memory holding "pick" itself.
 */
export class QueryEvidence {
  /** Each query term's IDF share: they sum to 1 (empty when the query has no words). */
  readonly weights: ReadonlyMap<string, number>;
  /** Whether any query term occurs in any of the tenant's live memories. */
  readonly anyMatch: boolean;
  /** Each query term's synonyms (none without WordNet). */
  readonly synonyms: ReadonlyMap<string, readonly string[]>;
  private readonly covered = new Map<number, number>();

  constructor(
    private readonly store: LexicalStore,
    private readonly userId: number,
    query: string,
    wordnet: WordNet | null = null,
  ) {
    const terms = queryTerms(query);
    const expanded = new Set(terms);
    // A synonym that is itself a query word (or another word's synonym already) adds nothing.
    this.synonyms = new Map(
      wordnet ? terms.slice(0, MAX_EXPANDED).map((t) => [t, wordnet.synonyms(t).filter((s) => !expanded.has(s) && (expanded.add(s), true))]) : [],
    );
    const n = terms.length ? store.liveCount(userId) : 0;
    const dfs = terms.map((t) => store.docFreq(userId, `"${t}"`, DF_CAP));
    this.anyMatch = dfs.some((df) => df > 0);
    const idf = dfs.map((df) => {
      // BM25's IDF, kept positive (Lucene's form): a word in every memory still weighs a little.
      return Math.log(1 + (n - df + 0.5) / (df + 0.5));
    });
    const total = idf.reduce((a, b) => a + b, 0);
    this.weights = new Map(total > 0 ? terms.map((t, i) => [t, idf[i]! / total]) : []);
  }

  /** An FTS5 MATCH expression of every synonym, or null when there are none. */
  synonymQuery(): string | null {
    const all = [...this.synonyms.values()].flat();
    return all.length ? all.map((s) => `"${s}"`).join(" OR ") : null;
  }

  /** The IDF share each memory matches, 0..1; looks up the ids not seen before. */
  coverage(ids: readonly number[]): Map<number, number> {
    const missing = [...new Set(ids)].filter((id) => !this.covered.has(id));
    if (missing.length) {
      for (const id of missing) this.covered.set(id, 0);
      for (const [term, w] of this.weights) {
        const direct = new Set(this.store.matching(this.userId, `"${term}"`, missing));
        for (const id of direct) this.covered.set(id, this.covered.get(id)! + w);
        const synonyms = this.synonyms.get(term) ?? [];
        if (synonyms.length === 0) continue;
        const rest = missing.filter((id) => !direct.has(id));
        const match = synonyms.map((s) => `"${s}"`).join(" OR ");
        for (const id of this.store.matching(this.userId, match, rest)) this.covered.set(id, this.covered.get(id)! + SYNONYM_WEIGHT * w);
      }
    }
    return new Map(ids.map((id) => [id, Math.min(1, this.covered.get(id)!)]));
  }
}
