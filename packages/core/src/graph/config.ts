/** How the knowledge graph grows and is analysed; `loadConfig` fills it from ENGRAM_AUTOLINK_* and ENGRAM_PAGERANK_*. */
export interface GraphConfig {
  /** Link each stored memory to its nearest neighbours (the auto_link job); entities are extracted either way. */
  autoLinkEnabled: boolean;
  /** Cosine (active embedding model) above which two memories get a `similarity` link. */
  autoLinkMinSimilarity: number;
  /** Jaccard of content words above which they do when a memory has no vector (embeddings off or pending). */
  autoLinkMinLexical: number;
  /** Nearest neighbours considered per stored memory. */
  autoLinkMaxNeighbors: number;
  /** Schedule PageRank and community refreshes; the routes work either way. */
  pagerankEnabled: boolean;
  /** A tenant with any change is refreshed at most this often... */
  refreshIntervalMs: number;
  /** ...unless this many links were added since its last refresh. */
  dirtyThreshold: number;
  /** Refresh jobs running at once. */
  maxConcurrent: number;
  /** Time limit of one entity-extraction task on its worker thread; past it the worker is stopped and replaced. */
  entityTimeoutMs: number;
}

export const DEFAULT_GRAPH_CONFIG: GraphConfig = {
  autoLinkEnabled: true,
  // Measured with USE-lite: related notes score 0.53-0.85, unrelated ones up to ~0.46.
  autoLinkMinSimilarity: 0.5,
  // Two short notes sharing two or three of their content words.
  autoLinkMinLexical: 0.15,
  autoLinkMaxNeighbors: 5,
  pagerankEnabled: true,
  refreshIntervalMs: 300_000,
  dirtyThreshold: 100,
  maxConcurrent: 1,
  // One task is one memory (auto_link) or a batch of a declared entity's candidates (POST
  // /entities), each read up to 16 KB: tens of milliseconds of work. Ten seconds is for a
  // machine under heavy load, not for the work itself.
  entityTimeoutMs: 10_000,
};
