import { DEFAULT_EMBEDDING_THREADS, type Config } from "./config/index.js";
import { openDb, type Db } from "./db/connection.js";
import { AuditLog } from "./audit/audit-log.js";
import { AuthService } from "./auth/service.js";
import { DEFAULT_AUTH_CONFIG } from "./auth/config.js";
import { MemoryService } from "./memory/memories.js";
import { SearchService } from "./search/service.js";
import { rerankerFromFolder, type SearchReranker } from "./search/rerank.js";
import { ContextAssembler } from "./search/context.js";
import { graphTextIndex } from "./search/lexical.js";
import { LexicalStore } from "./search/store.js";
import { systemClock, type Clock } from "./util/clock.js";
import { VectorStore } from "./vector/vector-store.js";
import { EmbeddingService, type EmbeddingLog } from "./vector/embedding-service.js";
import { PooledEmbedder } from "./embed/pool/pooled-embedder.js";
import { FsrsService } from "./fsrs/service.js";
import { FsrsStateStore } from "./memory/store/fsrs-state.js";
import { GuardService } from "./intelligence/guard.js";
import { JobQueue, type JobLog } from "./jobs/queue.js";
import { DEFAULT_JOBS_CONFIG } from "./jobs/config.js";
import { registerMaintenanceJobs } from "./jobs/maintenance.js";
import { TtlSweeper } from "./memory/expiry-sweep.js";
import { registerMemoryJobs } from "./memory/jobs.js";
import { GraphService } from "./graph/service.js";
import { registerGraphJobs } from "./graph/jobs.js";
import { DEFAULT_GRAPH_CONFIG } from "./graph/config.js";

/** The assembled domain: one database, one clock, the services over them. */
export interface Engram {
  db: Db;
  clock: Clock;
  auth: AuthService;
  memories: MemoryService;
  search: SearchService;
  /** The cross-encoder stage, when a model is present; `reranker.start(log)` loads it. */
  reranker: SearchReranker | null;
  /** Budget-aware context assembly over search, static, session, linked and recent memories. */
  context: ContextAssembler;
  audit: AuditLog;
  vectors: VectorStore;
  embedding: EmbeddingService;
  fsrs: FsrsService;
  /** Checks an action against the user's stored rules (POST /guard). */
  guard: GuardService;
  /** The durable job queue; `jobs.start()` runs the workers, `await jobs.stop()` before `close()`. */
  jobs: JobQueue;
  /** Forgets memories past their forget_after (scheduled as the ttl_sweep job; POST /sweep runs it now). */
  ttl: TtlSweeper;
  /** Auto-links, entities, PageRank and communities (jobs auto_link, graph_refresh). */
  graph: GraphService;
  /** Closes the database and terminates the embedding workers (await `embedding.close()` first for a clean exit). */
  close(): void;
}

const silentLog: EmbeddingLog = { info: () => {}, warn: () => {} };

/**
 * Opens the database and assembles the services. The embedder is built but not loaded:
 * call `engram.embedding.start()` to load it off the request path.
 */
export function createEngram(
  config: Pick<Config, "dbPath" | "dbSynchronous" | "apiKeyPepper" | "embedder" | "vectorMinSimilarity"> &
    Partial<
      Pick<
        Config,
        "fsrsImplicitWindowSecs" | "jobs" | "vectorIndex" | "fusion" | "vectorWeight" | "reranker" | "graph" | "embeddingThreads" | "rateLimit" | "maxKeysPerUser"
      >
    >,
  opts: { clock?: Clock; log?: EmbeddingLog; jobLog?: JobLog } = {},
): Engram {
  const db = openDb({ path: config.dbPath, synchronous: config.dbSynchronous });
  const ctx = { db, clock: opts.clock ?? systemClock };
  const vectors = new VectorStore(ctx, config.vectorIndex ?? null, opts.log);
  const jobsConfig = config.jobs ?? DEFAULT_JOBS_CONFIG;
  const jobs = new JobQueue(ctx, jobsConfig, opts.jobLog);
  // The search cache is created with the search service; writes reach it through this late binding.
  let search: SearchService | undefined;
  const memories = new MemoryService(ctx, vectors, jobs, (userId) => search?.cache.invalidate(userId));
  const ttl = new TtlSweeper(ctx, memories);
  registerMemoryJobs(jobs, ttl, jobsConfig.sweepIntervalMs);
  registerMaintenanceJobs(jobs, jobsConfig, () => ctx.clock.now());
  const graphConfig = config.graph ?? DEFAULT_GRAPH_CONFIG;
  const graph = new GraphService(ctx, vectors, graphTextIndex(new LexicalStore(ctx.db)), graphConfig, (userId) => search?.cache.invalidate(userId));
  memories.onDelete((userId, memoryId, restoredId) => graph.entities.forgetMemory(userId, memoryId, restoredId));
  registerGraphJobs(jobs, graph, graphConfig, () => ctx.clock.now());
  const log = opts.log ?? silentLog;
  // Every embedder runs on worker threads (embed/pool/pooled-embedder.ts), never on the event loop.
  const embedding = new EmbeddingService(
    config.embedder ? new PooledEmbedder(config.embedder, { threads: config.embeddingThreads ?? DEFAULT_EMBEDDING_THREADS, log }) : null,
    vectors,
    log,
    (rows) => memories.storeVectors(rows),
  );
  const reranker = config.reranker ? rerankerFromFolder(config.reranker, log) : null;
  search = new SearchService(ctx, memories, vectors, embedding, reranker, {
    vectorMinSimilarity: config.vectorMinSimilarity,
    fusion: config.fusion ?? "score",
    vectorWeight: config.vectorWeight ?? 1,
  });
  const audit = new AuditLog(ctx, opts.log);
  return {
    db,
    clock: ctx.clock,
    auth: new AuthService(ctx, config.apiKeyPepper, {
      defaultRateLimitPerMinute: config.rateLimit?.perMinute ?? DEFAULT_AUTH_CONFIG.defaultRateLimitPerMinute,
      maxKeysPerUser: config.maxKeysPerUser ?? DEFAULT_AUTH_CONFIG.maxKeysPerUser,
    }),
    memories,
    search,
    reranker,
    context: new ContextAssembler(ctx, memories, search),
    audit,
    vectors,
    embedding,
    fsrs: new FsrsService(ctx, new FsrsStateStore(db), {
      implicitWindowMs: (config.fsrsImplicitWindowSecs ?? 600) * 1000,
      onWrite: (userId) => search?.cache.invalidate(userId),
    }),
    guard: new GuardService(ctx),
    jobs,
    ttl,
    graph,
    close: () => {
      // Refusals counted in memory reach the log before the database closes.
      audit.flush();
      void embedding.close();
      void graph.close();
      db.close();
    },
  };
}
