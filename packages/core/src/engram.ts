import type { Config } from "./config/index.js";
import { openDb, type Db } from "./db/connection.js";
import { AuditLog } from "./audit/audit-log.js";
import { AuthService } from "./auth/service.js";
import { MemoryService } from "./memory/memories.js";
import { SearchService } from "./search/service.js";
import { systemClock, type Clock } from "./util/clock.js";
import { VectorStore } from "./vector/vector-store.js";
import { EmbeddingService, type EmbeddingLog } from "./vector/embedding-service.js";
import { createEmbedder } from "./embed/factory.js";

/** The assembled domain: one database, one clock, the services over them. */
export interface Engram {
  db: Db;
  clock: Clock;
  auth: AuthService;
  memories: MemoryService;
  search: SearchService;
  audit: AuditLog;
  vectors: VectorStore;
  embedding: EmbeddingService;
  close(): void;
}

const silentLog: EmbeddingLog = { info: () => {}, warn: () => {} };

/**
 * Opens the database and assembles the services. The embedder is built but not loaded:
 * call `engram.embedding.start()` to load it off the request path.
 */
export function createEngram(
  config: Pick<Config, "dbPath" | "dbSynchronous" | "apiKeyPepper" | "embedder" | "vectorMinSimilarity">,
  opts: { clock?: Clock; log?: EmbeddingLog } = {},
): Engram {
  const db = openDb({ path: config.dbPath, synchronous: config.dbSynchronous });
  const ctx = { db, clock: opts.clock ?? systemClock };
  const vectors = new VectorStore(ctx);
  // The search cache is created with the search service; writes reach it through this late binding.
  let search: SearchService | undefined;
  const memories = new MemoryService(ctx, vectors, (userId) => search?.cache.invalidate(userId));
  const embedding = new EmbeddingService(
    config.embedder ? createEmbedder(config.embedder) : null,
    vectors,
    opts.log ?? silentLog,
    (rows) => memories.storeVectors(rows),
  );
  search = new SearchService(ctx, memories, vectors, embedding, config.vectorMinSimilarity);
  return {
    db,
    clock: ctx.clock,
    auth: new AuthService(ctx, config.apiKeyPepper),
    memories,
    search,
    audit: new AuditLog(ctx),
    vectors,
    embedding,
    close: () => db.close(),
  };
}
