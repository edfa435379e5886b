import type { Hits } from "./channels.js";
import type { ChannelWeights } from "./weights.js";

/**
 * The lexical channel's score: BM25 relative to the query's best hit, tempered by the share
 * of the query's IDF mass the memory matches. Relative BM25 alone gives the best hit 1 even
 * when it shares one common word with the query; the IDF share keeps that hit weak.
 * Geometric mean: both must be high for a high score. Hits come back re-sorted.
 */
export function lexicalEvidence(bm25Relative: Hits, coverage: ReadonlyMap<number, number>): Hits {
  return bm25Relative
    .map((h) => ({ id: h.id, score: Math.sqrt(h.score * (coverage.get(h.id) ?? 0)) }))
    .sort((a, b) => b.score - a.score || a.id - b.id);
}

/**
 * Channel weights adapted to the evidence each channel has for this query. The lexical
 * weight follows the best lexical score (a query whose best match covers little of it
 * leans on the embedder); the vector weight follows how far the best cosine stands above
 * the floor of unrelated text, so a flat vector ranking counts for little.
 */
export function adaptiveWeights(base: ChannelWeights, lexical: Hits, vector: Hits): ChannelWeights {
  const lexicalStrength = lexical[0]?.score ?? 0;
  return { ...base, fts: base.fts * (LEXICAL_FLOOR + (1 - LEXICAL_FLOOR) * lexicalStrength) };
}

/** The share of its weight the lexical channel keeps when its best match covers nothing. */
const LEXICAL_FLOOR = 0.25;
