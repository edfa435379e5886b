import path from "node:path";
import { DEFAULT_EMBEDDING_THREADS, DEFAULT_INGEST_URL_TIMEOUT_MS, DEFAULT_QUERY_EMBED_CACHE, type Config } from "./config/index.js";
import type { CoreContext } from "./context.js";
import { openDb, type Db, type DbKey } from "./db/index.js";
import { createAudit, type AuditLog } from "./audit/index.js";
import { createAuth, DEFAULT_AUTH_CONFIG, type AuthService } from "./auth/index.js";
import { MemoryEvents } from "./events/index.js";
import { createFsrs, type FsrsService } from "./fsrs/index.js";
import { createGraph, type GraphService } from "./graph/index.js";
import {
  AddService,
  type ApprovalService,
  type CausalService,
  ConversationService,
  createFacts,
  createGate,
  createGuard,
  createInbox,
  createIngestion,
  createIntelligenceTasks,
  createMaintenance,
  createPostStore,
  createReflections,
  createSignals,
  type DecomposeService,
  type DeriveService,
  EpisodeService,
  type FactService,
  type GateService,
  type GroundingService,
  type Growth,
  type GuardService,
  type InboxService,
  type Ingestion,
  type IntelligenceTasks,
  llmAddPicker,
  llmNarrativeWriter,
  llmProfileWriter,
  llmSignalClassifier,
  type Maintenance,
  PersonalityService,
  type PostStoreSteps,
  type ReconsolidationService,
  type Reflections,
  type TemporalService,
  type TimeTravel,
  type ValenceService,
} from "./intelligence/index.js";
import { createLlm, type LlmClient } from "./llm/index.js";
import { createPrompt, type PromptService } from "./prompt/index.js";
import { createDigests, type DigestService } from "./digests/index.js";
import { createBatch, type BatchService } from "./batch/index.js";
import { createAdmin, type AdminService } from "./admin/index.js";
import { createTenants, type TenantStore } from "./tenants/index.js";
import { createPortability, type PortabilityService } from "./portability/index.js";
import { createBackups, type BackupService } from "./backup/index.js";
import { createJobs, DEFAULT_JOBS_CONFIG, type JobLog, type JobQueue } from "./jobs/index.js";
import { createMemory, FsrsStateStore, SpaceContentsStore, type MemoryService, type TtlSweeper } from "./memory/index.js";
import { createSearch, createTextIndex, DEFAULT_ABSTAIN_MIN_SIMILARITY, SHIPPED_RANKER, WordNet, type ContextAssembler, type SearchReranker, type SearchService } from "./search/index.js";
import { systemClock, type Clock } from "./util/index.js";
import { createEmbedding, createVectors, type EmbeddingLog, type EmbeddingService, type VectorStore } from "./vector/index.js";

/** /intelligence/run's thresholds: the defaults of POST /deduplicate and POST /sweep (contract §5.3). */
const DEDUPLICATE_THRESHOLD = 0.9;
const CONSOLIDATION_THRESHOLD = 0.85;

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
  /** POST /header and GET /prompt: who wrote the recent memories, and memories packed for a system prompt. */
  prompt: PromptService;
  /** POST /digests/generate and GET /digests: stored summaries of the last day, week or month. */
  digests: DigestService;
  /** POST /batch: stores, updates and links in one transaction, all or nothing. */
  batch: BatchService;
  /** /admin settings, maintenance mode and scale reports. */
  admin: AdminService;
  /** What each tenant holds: /me/stats, /admin/tenants, /admin/usage. */
  tenants: TenantStore;
  /** GET /export and POST /import: a tenant's data out as a bundle, and bundles or other tools' exports in. */
  portability: PortabilityService;
  /** GET /backup and POST /backup/verify: snapshots of the whole instance and checks of backup files. */
  backups: BackupService;
  audit: AuditLog;
  vectors: VectorStore;
  embedding: EmbeddingService;
  fsrs: FsrsService;
  /** Checks an action against the user's stored rules (POST /guard). */
  guard: GuardService;
  /** The review inbox: pending memories, approved, edited or rejected by a person. */
  inbox: InboxService;
  /** POST /gate/*: an agent's command checked before it runs. */
  gate: GateService;
  /** Human approvals, which gate checks of ENGRAM_GATE_APPROVAL_TOOLS wait on. */
  approvals: ApprovalService;
  /** The optional LLM (`configured: false` without ENGRAM_LLM_URL): features ask it and fall back to rules. */
  llm: LlmClient;
  /** The intelligence group's work after an approved memory is stored (the post_store job). */
  postStore: PostStoreSteps;
  /** Facts with validity windows and contradictions; `facts.closeFactsOf` ends a memory's facts. */
  facts: FactService;
  /** Atomic decomposition into child facts, and the decompose_sweep job. */
  decompose: DecomposeService;
  /** POST /derive: conclusions from memories' facts. */
  derive: DeriveService;
  /** POST /timetravel: memories and facts as they stood at an instant. */
  timetravel: TimeTravel;
  /** Correction, duplicates, consolidation, the sweep, feedback and memory health (non-destructive). */
  maintenance: Maintenance;
  /** Reflections: written, over a period, or proposed for important memories nobody recalls. */
  reflections: Reflections;
  /** Growth observations from the LLM, and their promotion to insights. */
  growth: Growth;
  /** The tasks POST /intelligence/run runs, in dependency order. */
  intelligenceTasks: IntelligenceTasks;
  /** Valence, arousal and sentiment by the rules scorer (post-store step "valence"). */
  valence: ValenceService;
  /** Causal chains and links (post-store step "causal" detects explicit causal wording). */
  causal: CausalService;
  /** Weekday/hour patterns, predictive recall, category sequences. */
  temporal: TemporalService;
  /** Importance and confidence adjusted from recall hits, misses and challenging links. */
  reconsolidation: ReconsolidationService;
  /** Tool sessions, the grounding tools and their quality records. */
  grounding: GroundingService;
  /** Chat logs (conversations and messages), searchable by words. */
  conversations: ConversationService;
  /** Episodes and their narratives (stored as memories, so search and /context find them). */
  episodes: EpisodeService;
  /** POST /add: memories picked from chat turns. */
  add: AddService;
  /** Personality signals (a post-store step detects them) and the profile built from them. */
  personality: PersonalityService;
  /** Documents, exports and archives into memories (/ingest*), chunked uploads and their ingest_upload jobs. */
  ingestion: Ingestion;
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
 * Opens the database and assembles the subsystems, each from its one entry, lower layers first.
 * A write reaches the views that follow it (vector index, search cache, graph) through
 * `events`. The embedder is built but not loaded: call `engram.embedding.start()` to load it
 * off the request path.
 */
export function createEngram(
  config: Pick<Config, "dbPath" | "dbSynchronous" | "apiKeyPepper" | "embedder" | "vectorMinSimilarity"> &
    Partial<
      Pick<
        Config,
        | "fsrsImplicitWindowSecs"
        | "jobs"
        | "autoDecompose"
        | "vectorIndex"
        | "fusion"
        | "vectorWeight"
        | "searchRanker"
        | "abstainMinSimilarity"
        | "reranker"
        | "graph"
        | "embeddingThreads"
        | "queryEmbedCache"
        | "llm"
        | "intelligenceJobs"
        | "rateLimit"
        | "maxKeysPerUser"
        | "guardrails"
        | "groundingExec"
        | "searchSynonyms"
        | "ingest"
        | "allowPrivateUrls"
        | "dataDir"
      >
    >,
  opts: { clock?: Clock; log?: EmbeddingLog; jobLog?: JobLog; dbKey?: DbKey | null } = {},
): Engram {
  const db = openDb({ path: config.dbPath, synchronous: config.dbSynchronous, encryption: opts.dbKey });
  const ctx: CoreContext = { db, clock: opts.clock ?? systemClock };
  const log = opts.log ?? silentLog;
  const events = new MemoryEvents(db.afterCommit);

  const jobsConfig = config.jobs ?? DEFAULT_JOBS_CONFIG;
  const jobs = createJobs(ctx, { config: jobsConfig, log: opts.jobLog });
  const vectors = createVectors(ctx, { index: config.vectorIndex ?? null, events, log: opts.log });
  const auth = createAuth(ctx, {
    pepper: config.apiKeyPepper,
    contents: new SpaceContentsStore(db),
    config: {
      defaultRateLimitPerMinute: config.rateLimit?.perMinute ?? DEFAULT_AUTH_CONFIG.defaultRateLimitPerMinute,
      maxKeysPerUser: config.maxKeysPerUser ?? DEFAULT_AUTH_CONFIG.maxKeysPerUser,
    },
  });
  const { memories, ttl } = createMemory(ctx, {
    vectors,
    jobs,
    events,
    sweepIntervalMs: jobsConfig.sweepIntervalMs,
    postStoreJobs: config.intelligenceJobs ?? true,
  });
  const graph = createGraph(ctx, { vectors, text: createTextIndex(ctx), jobs, events, config: config.graph });
  const embedding = createEmbedding({
    embedder: config.embedder,
    threads: config.embeddingThreads ?? DEFAULT_EMBEDDING_THREADS,
    queryCacheSize: config.queryEmbedCache ?? DEFAULT_QUERY_EMBED_CACHE,
    vectors,
    storeVectors: (rows) => memories.storeVectors(rows),
    log,
  });
  const { search, reranker, context } = createSearch(ctx, {
    memories,
    vectors,
    embedding,
    events,
    options: {
      vectorMinSimilarity: config.vectorMinSimilarity,
      fusion: config.fusion ?? "score",
      vectorWeight: config.vectorWeight ?? 1,
      ranker: (config.searchRanker ?? true) ? SHIPPED_RANKER : null,
      abstainCosine: config.abstainMinSimilarity ?? DEFAULT_ABSTAIN_MIN_SIMILARITY,
      synonyms: (config.searchSynonyms ?? true) ? WordNet.installed() : null,
    },
    reranker: config.reranker ?? null,
    log,
  });
  const prompt = createPrompt(ctx, { search });
  const digests = createDigests(ctx);
  const batch = createBatch(ctx, { memories, events });
  const admin = createAdmin(ctx);
  const tenants = createTenants(ctx);
  const fsrs = createFsrs(ctx, { rows: new FsrsStateStore(db), events, implicitWindowMs: (config.fsrsImplicitWindowSecs ?? 600) * 1000 });
  const llm = createLlm(config.llm ?? null);
  const guard = createGuard(ctx, { embedding, llm });
  const postStore = createPostStore(jobs);
  const { facts, decompose, derive, timetravel } = createFacts(ctx, {
    memories,
    search,
    embedder: embedding,
    jobs,
    events,
    postStore,
    llm,
    autoDecompose: config.autoDecompose ?? false,
  });
  const inbox = createInbox(memories, config.guardrails);
  const { gate, approvals } = createGate(ctx, guard, config.guardrails);
  const signals = createSignals(ctx, { memories, events, groundingExec: config.groundingExec ?? false });
  postStore.add("valence", (userId, memoryId) => signals.valence.scoreStored(userId, memoryId));
  postStore.add("causal", (userId, memoryId) => signals.causal.detect(userId, memoryId));
  const audit = createAudit(ctx, { log: opts.log });
  const maintenance = createMaintenance(ctx, { memories, embedding, ttl, llm });
  const { reflections, growth } = createReflections(ctx, { memories, embedding, llm });
  // POST /intelligence/run, in the contract's order: a consolidation sweep follows the duplicate
  // scan, reconsolidation reads the contradiction links the scan records, and reflections
  // are proposed last, over what the others left.
  const intelligenceTasks = createIntelligenceTasks();
  intelligenceTasks.add("deduplicate", (userId) => maintenance.duplicates.deduplicate(userId, DEDUPLICATE_THRESHOLD, true));
  intelligenceTasks.add("consolidation_sweep", (userId) => maintenance.consolidations.sweep(userId, CONSOLIDATION_THRESHOLD), { after: ["deduplicate"] });
  intelligenceTasks.add("contradiction_scan", async (userId) => ({ contradictions: (await facts.contradictions(userId, { limit: 500 })).length }));
  intelligenceTasks.add("temporal_detect", (userId) => ({ patterns: signals.temporal.detect(userId).length }));
  intelligenceTasks.add("reconsolidation", (userId) => ({ changed: signals.reconsolidation.applyCandidates(userId) }), { after: ["contradiction_scan"] });
  intelligenceTasks.add("reflections_generate", async (userId) => ({ reflections: (await reflections.generate(userId, 10)).length }), { after: ["reconsolidation"] });
  const conversations = new ConversationService(ctx);
  const episodes = new EpisodeService(ctx, { memories, embedding, narrative: llmNarrativeWriter(llm) });
  const add = new AddService({ memories, embedding, conversations, episodes, picker: llmAddPicker(llm) });
  const personality = new PersonalityService(ctx, { memories, classify: llmSignalClassifier(llm), write: llmProfileWriter(llm) });
  postStore.add("personality", (userId, memoryId) => personality.detectForMemory(userId, memoryId));
  const ingestion = createIngestion(ctx, {
    memories,
    embedding,
    jobs,
    urls: { allowPrivate: config.allowPrivateUrls ?? false, timeoutMs: config.ingest?.urlTimeoutMs ?? DEFAULT_INGEST_URL_TIMEOUT_MS },
    llm,
    episodes,
    entities: graph.entities,
  });

  const portability = createPortability(ctx, { memories, events, backfill: () => embedding.backfillMissing() });
  const dataDir = config.dataDir ?? path.dirname(config.dbPath);
  const backups = createBackups(ctx, {
    dbPath: config.dbPath,
    tempDir: path.join(dataDir, "temp"),
    backupDir: path.join(dataDir, "backups"),
    keyHex: opts.dbKey?.key.toString("hex"),
  });

  return {
    db,
    clock: ctx.clock,
    auth,
    memories,
    search,
    reranker,
    context,
    prompt,
    digests,
    batch,
    admin,
    tenants,
    portability,
    backups,
    audit,
    vectors,
    embedding,
    fsrs,
    llm,
    guard,
    inbox,
    gate,
    approvals,
    postStore,
    facts,
    decompose,
    derive,
    timetravel,
    maintenance,
    reflections,
    growth,
    intelligenceTasks,
    ...signals,
    conversations,
    episodes,
    add,
    personality,
    ingestion,
    jobs,
    ttl,
    graph,
    close: () => {
      // Refusals counted in memory and queued implicit reviews reach the database before it closes.
      audit.flush();
      fsrs.flush();
      void embedding.close();
      void graph.close();
      db.close();
    },
  };
}
