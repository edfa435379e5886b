/** The vector subsystem's public face: a tenant's vectors, the index over them, and the embedding service that fills them. */
import type { CoreContext } from "../context.js";
import { PooledEmbedder, QueryEmbeddingCache, type EmbedderConfig } from "../embed/index.js";
import type { MemoryEvents } from "../events/index.js";
import { EmbeddingService, type EmbeddingLog } from "./embedding-service.js";
import { VectorStore, type VectorIndexConfig } from "./vector-store.js";

export { VectorStore, modelFolder, type ActiveModel, type VectorIndexConfig } from "./vector-store.js";
export { LanceVectorIndex } from "./lance-index.js";
export { TieredVectorIndex } from "./tiered-index.js";
export { ExactVectorIndex } from "./exact-index.js";
export type { VectorIndex, VectorHit, VectorSource } from "./vector-index.js";
export { EmbeddingService, type ReembedJob, type EmbeddingLog } from "./embedding-service.js";

/** The vector store; the index follows every committed change of a tenant's memories. */
export function createVectors(ctx: CoreContext, deps: { index: VectorIndexConfig | null; events: MemoryEvents; log?: EmbeddingLog }): VectorStore {
  const vectors = new VectorStore(ctx, deps.index, deps.log);
  deps.events.onChanged(({ userId, changes }) => {
    for (const change of changes) {
      // A write without a vector (no model, or content unchanged) is left to the backfill.
      if (change.kind === "written" && change.vector) vectors.indexed(userId, change.memoryId, change.vector);
      else if (change.kind === "deleted") vectors.indexed(userId, change.memoryId, null);
    }
  });
  return vectors;
}

/**
 * Embedding on worker threads (embed/pool/), never on the event loop: built, not loaded
 * (`embedding.start()` loads it off the request path). Backfilled vectors go to `storeVectors`.
 */
export function createEmbedding(deps: {
  embedder: EmbedderConfig | null;
  threads: number;
  /** Query vectors kept (ENGRAM_QUERY_EMBED_CACHE); 0 embeds every query. */
  queryCacheSize: number;
  vectors: VectorStore;
  storeVectors: (rows: { id: number; userId: number; vector: Float32Array }[]) => void;
  log: EmbeddingLog;
}): EmbeddingService {
  const embedder = deps.embedder ? new PooledEmbedder(deps.embedder, { threads: deps.threads, log: deps.log }) : null;
  return new EmbeddingService(embedder, deps.vectors, deps.log, deps.storeVectors, new QueryEmbeddingCache(deps.queryCacheSize));
}
