import type { Hits } from "./channels.js";
import { SYNONYM_WEIGHT } from "./evidence.js";
import type { ChannelWeights } from "./weights.js";

/**
 * BM25 hits of the query's own words, then the memories only its synonyms reach, each at
 * SYNONYM_WEIGHT of its BM25 relative to the synonyms' best hit: a synonym is weaker
 * evidence than the word itself. Both lists hold relative BM25 (0..1), best first.
 */
export function withSynonymHits(direct: Hits, viaSynonyms: Hits): Hits {
  const seen = new Set(direct.map((h) => h.id));
  const added = viaSynonyms.filter((h) => !seen.has(h.id)).map((h) => ({ id: h.id, score: SYNONYM_WEIGHT * h.score }));
  return [...direct, ...added].sort((a, b) => b.score - a.score || a.id - b.id);
}

/**
 * The lexical channel's score: BM25 relative to the query's best hit, tempered by the share
 * of the query's IDF mass the memory matches. Relative BM25 alone gives the best hit 1 even
 * when it shares one common word with the query; the IDF share keeps that hit weak.
 * Their product: both must be high for a high score. Hits come back re-sorted.
 */
export function lexicalEvidence(bm25Relative: Hits, coverage: ReadonlyMap<number, number>): Hits {
  return bm25Relative
    .map((h) => ({ id: h.id, score: h.score * (coverage.get(h.id) ?? 0) }))
    .sort((a, b) => b.score - a.score || a.id - b.id);
}

/**
 * Channel weights adapted to the evidence each channel has for this query: the lexical
 * weight follows the best lexical score, so a query whose best match covers little of it
 * leans on the embedder, and one whose rare words all match leans on BM25.
 */
export function adaptiveWeights(base: ChannelWeights, lexical: Hits): ChannelWeights {
  return { ...base, fts: base.fts * (lexical[0]?.score ?? 0) };
}
