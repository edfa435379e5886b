import { blob, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Drizzle view of the tables that migrations.ts creates (FTS5 stays raw SQL). */
export const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  username: text("username").notNull(),
  email: text("email"),
  role: text("role", { enum: ["admin", "writer", "reader"] }).notNull(),
  createdAt: text("created_at").notNull(),
});

export const apiKeys = sqliteTable("api_keys", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  name: text("name").notNull(),
  keyHash: text("key_hash").notNull(),
  keyPrefix: text("key_prefix").notNull(),
  scopes: text("scopes").notNull(),
  rateLimit: integer("rate_limit"),
  createdAt: text("created_at").notNull(),
  expiresAt: text("expires_at"),
  lastUsedAt: text("last_used_at"),
  revokedAt: text("revoked_at"),
  rotatedFromId: integer("rotated_from_id"),
  mintedById: integer("minted_by_id"),
  reviewRequired: integer("review_required", { mode: "boolean" }).notNull().default(false),
});

export const spaces = sqliteTable("spaces", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  name: text("name").notNull(),
  description: text("description"),
  createdAt: text("created_at").notNull(),
});

export const memories = sqliteTable("memories", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  spaceId: integer("space_id"),
  content: text("content").notNull(),
  category: text("category").notNull(),
  source: text("source").notNull(),
  importance: integer("importance").notNull(),
  tags: text("tags", { mode: "json" }).$type<string[]>().notNull(),
  sessionId: text("session_id"),
  isStatic: integer("is_static", { mode: "boolean" }).notNull(),
  version: integer("version").notNull(),
  isLatest: integer("is_latest", { mode: "boolean" }).notNull(),
  parentMemoryId: integer("parent_memory_id"),
  rootMemoryId: integer("root_memory_id"),
  sourceCount: integer("source_count").notNull(),
  simhash: text("simhash").notNull(),
  status: text("status", { enum: ["active", "archived", "forgotten"] }).notNull(),
  isForgotten: integer("is_forgotten", { mode: "boolean" }).notNull(),
  isArchived: integer("is_archived", { mode: "boolean" }).notNull(),
  forgetReason: text("forget_reason"),
  decayScore: real("decay_score").notNull(),
  accessCount: integer("access_count").notNull(),
  lastAccessedAt: text("last_accessed_at"),
  fsrsStability: real("fsrs_stability"),
  fsrsDifficulty: real("fsrs_difficulty"),
  fsrsRetrievalStrength: real("fsrs_retrieval_strength"),
  fsrsStorageStrength: real("fsrs_storage_strength"),
  fsrsLearningState: integer("fsrs_learning_state"),
  fsrsReps: integer("fsrs_reps").notNull(),
  fsrsLapses: integer("fsrs_lapses").notNull(),
  fsrsLastReviewAt: text("fsrs_last_review_at"),
  forgetAfter: text("forget_after"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  communityId: integer("community_id"),
  pagerankScore: real("pagerank_score").notNull().default(0),
  reviewStatus: text("review_status", { enum: ["approved", "pending", "rejected"] }).notNull().default("approved"),
  isFact: integer("is_fact", { mode: "boolean" }).notNull().default(false),
  isDecomposed: integer("is_decomposed", { mode: "boolean" }).notNull().default(false),
  isSuperseded: integer("is_superseded", { mode: "boolean" }).notNull().default(false),
  isConsolidated: integer("is_consolidated", { mode: "boolean" }).notNull().default(false),
  episodeId: integer("episode_id"),
  valence: real("valence"),
  arousal: real("arousal"),
  dominantEmotion: text("dominant_emotion"),
  confidence: real("confidence").notNull().default(1),
  model: text("model"),
  recallHits: integer("recall_hits").notNull().default(0),
  recallMisses: integer("recall_misses").notNull().default(0),
  /** Migration 19: when what it tells happened (a chat export's conversation, an episode's start), when known; facts date from it. */
  occurredAt: text("occurred_at"),
  /** A UUID given at insert (migration 23): the memory's identity in exports and imports. */
  syncId: text("sync_id"),
});

export const memoryLinks = sqliteTable("memory_links", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  sourceId: integer("source_id").notNull(),
  targetId: integer("target_id").notNull(),
  type: text("type").notNull(),
  similarity: real("similarity").notNull(),
  createdAt: text("created_at").notNull(),
});

export const auditLog = sqliteTable("audit_log", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id"),
  keyId: integer("key_id"),
  method: text("method").notNull(),
  route: text("route").notNull(),
  targetIds: text("target_ids", { mode: "json" }).$type<number[]>().notNull(),
  status: integer("status").notNull(),
  remoteAddr: text("remote_addr"),
  createdAt: text("created_at").notNull(),
  /** Requests this row stands for: 1, or a count of refusals aggregated per address and minute. */
  count: integer("count").notNull().default(1),
});

export const memoryVectors = sqliteTable("memory_vectors", {
  memoryId: integer("memory_id").primaryKey(),
  userId: integer("user_id").notNull(),
  model: text("model").notNull(),
  dimension: integer("dimension").notNull(),
  vector: blob("vector", { mode: "buffer" }).notNull(),
  createdAt: text("created_at").notNull(),
});

export const jobs = sqliteTable("jobs", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id"),
  type: text("type").notNull(),
  payload: text("payload").notNull(),
  status: text("status", { enum: ["pending", "running", "completed", "failed"] }).notNull(),
  attempts: integer("attempts").notNull(),
  maxAttempts: integer("max_attempts").notNull(),
  runAt: text("run_at").notNull(),
  dedupeKey: text("dedupe_key"),
  error: text("error"),
  result: text("result"),
  createdAt: text("created_at").notNull(),
  startedAt: text("started_at"),
  completedAt: text("completed_at"),
  updatedAt: text("updated_at").notNull(),
});

/** The job queue's lanes (migration 9): kept by triggers on jobs, read and turned by jobs/store.ts. */
export const jobLanes = sqliteTable("job_lanes", {
  lane: integer("lane").primaryKey(),
  pending: integer("pending").notNull(),
  lastTurn: integer("last_turn").notNull(),
});

export const graphCommunities = sqliteTable("graph_communities", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  label: text("label").notNull(),
  size: integer("size").notNull(),
  createdAt: text("created_at").notNull(),
});

export const entities = sqliteTable("entities", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  spaceId: integer("space_id"),
  name: text("name").notNull(),
  key: text("key").notNull(),
  entityType: text("entity_type").notNull(),
  description: text("description"),
  aliases: text("aliases", { mode: "json" }).$type<string[]>().notNull(),
  origin: text("origin", { enum: ["extracted", "manual"] }).notNull(),
  occurrenceCount: integer("occurrence_count").notNull(),
  firstSeenAt: text("first_seen_at"),
  lastSeenAt: text("last_seen_at"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const memoryEntities = sqliteTable("memory_entities", {
  memoryId: integer("memory_id").notNull(),
  entityId: integer("entity_id").notNull(),
  userId: integer("user_id").notNull(),
  salience: real("salience").notNull(),
  createdAt: text("created_at").notNull(),
  /** Migration 19: found by extraction, or given by the writer (entity_ids on /ingest). */
  origin: text("origin", { enum: ["extracted", "given"] }).notNull().default("extracted"),
});

export const entityCooccurrences = sqliteTable("entity_cooccurrences", {
  userId: integer("user_id").notNull(),
  entityA: integer("entity_a").notNull(),
  entityB: integer("entity_b").notNull(),
  count: integer("count").notNull(),
  weight: real("weight").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const graphState = sqliteTable("graph_state", {
  userId: integer("user_id").primaryKey(),
  dirtyEdges: integer("dirty_edges").notNull(),
  refreshedAt: text("refreshed_at"),
  nodeCount: integer("node_count").notNull(),
  edgeCount: integer("edge_count").notNull(),
  communityCount: integer("community_count").notNull(),
  modularity: real("modularity"),
  durationMs: real("duration_ms"),
});

/** Migration 12: facts with validity windows (intelligence/facts). */
export const structuredFacts = sqliteTable("structured_facts", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  memoryId: integer("memory_id").notNull(),
  subject: text("subject").notNull(),
  predicate: text("predicate").notNull(),
  object: text("object").notNull(),
  objectNorm: text("object_norm").notNull(),
  negated: integer("negated", { mode: "boolean" }).notNull(),
  exclusive: integer("exclusive", { mode: "boolean" }).notNull(),
  quantity: real("quantity"),
  unit: text("unit"),
  dateRef: text("date_ref"),
  validAt: text("valid_at").notNull(),
  invalidAt: text("invalid_at"),
  invalidatedBy: integer("invalidated_by"),
  confidence: real("confidence").notNull(),
  episodeId: integer("episode_id"),
  method: text("method", { enum: ["rules", "llm"] }).notNull(),
  createdAt: text("created_at").notNull(),
});

export const factExtractions = sqliteTable("fact_extractions", {
  memoryId: integer("memory_id").primaryKey(),
  userId: integer("user_id").notNull(),
  method: text("method").notNull(),
  factCount: integer("fact_count").notNull(),
  extractedAt: text("extracted_at").notNull(),
});

/** Corrections: the replaced memory's text and its successor's (migration 16). */
export const reconsolidations = sqliteTable("reconsolidations", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  memoryId: integer("memory_id").notNull(),
  newMemoryId: integer("new_memory_id"),
  oldContent: text("old_content").notNull(),
  newContent: text("new_content").notNull(),
  reason: text("reason").notNull(),
  triggeredBy: text("triggered_by").notNull(),
  createdAt: text("created_at").notNull(),
});

export const consolidations = sqliteTable("consolidations", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  resultMemoryId: integer("result_memory_id").notNull(),
  sourceIds: text("source_ids", { mode: "json" }).$type<number[]>().notNull(),
  strategy: text("strategy").notNull(),
  summary: text("summary").notNull(),
  method: text("method", { enum: ["rules", "llm"] }).notNull(),
  confidence: real("confidence").notNull(),
  createdAt: text("created_at").notNull(),
});

export const memoryFeedback = sqliteTable("memory_feedback", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  memoryId: integer("memory_id").notNull(),
  rating: text("rating", { enum: ["helpful", "irrelevant", "off-topic", "outdated"] }).notNull(),
  context: text("context"),
  createdAt: text("created_at").notNull(),
});

export const reflections = sqliteTable("reflections", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  content: text("content").notNull(),
  reflectionType: text("reflection_type").notNull(),
  themes: text("themes", { mode: "json" }).$type<string[]>().notNull(),
  periodStart: text("period_start"),
  periodEnd: text("period_end"),
  sourceMemoryIds: text("source_memory_ids", { mode: "json" }).$type<number[]>().notNull(),
  confidence: real("confidence").notNull(),
  createdAt: text("created_at").notNull(),
});

/** Chunked uploads and ingested-input hashes (migration 14, intelligence/ingest). */
export const uploadSessions = sqliteTable("upload_sessions", {
  uploadId: text("upload_id").primaryKey(),
  userId: integer("user_id").notNull(),
  filename: text("filename"),
  contentType: text("content_type"),
  source: text("source").notNull(),
  totalSize: integer("total_size"),
  totalChunks: integer("total_chunks"),
  chunkSize: integer("chunk_size"),
  status: text("status", { enum: ["active", "processing", "completed", "failed", "aborted", "expired"] }).notNull(),
  expiresAt: text("expires_at").notNull(),
  finalSha256: text("final_sha256"),
  jobId: text("job_id"),
  options: text("options").notNull(),
  data: blob("data", { mode: "buffer" }),
  progress: text("progress"),
  errors: text("errors").notNull(),
  ingestedMemories: integer("ingested_memories"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const uploadChunks = sqliteTable("upload_chunks", {
  uploadId: text("upload_id").notNull(),
  chunkIndex: integer("chunk_index").notNull(),
  chunkHash: text("chunk_hash").notNull(),
  size: integer("size").notNull(),
  data: blob("data", { mode: "buffer" }).notNull(),
  createdAt: text("created_at").notNull(),
});

export const ingestionHashes = sqliteTable("ingestion_hashes", {
  sha256: text("sha256").notNull(),
  userId: integer("user_id").notNull(),
  jobId: text("job_id").notNull(),
  createdAt: text("created_at").notNull(),
});

export type MemoryRow = typeof memories.$inferSelect;
export type UserRow = typeof users.$inferSelect;

/** POST /gate/check requests (migration 13). */
export const gateRequests = sqliteTable("gate_requests", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  agent: text("agent").notNull(),
  command: text("command").notNull(),
  context: text("context"),
  toolName: text("tool_name"),
  status: text("status", { enum: ["allowed", "blocked", "pending_secrets", "pending_approval", "approved", "denied", "completed"] }).notNull(),
  reason: text("reason"),
  approvalId: text("approval_id"),
  output: text("output"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/** Human approvals (migration 13); ids are UUIDs. */
export const approvals = sqliteTable("approvals", {
  id: text("id").primaryKey(),
  userId: integer("user_id").notNull(),
  action: text("action").notNull(),
  context: text("context"),
  requester: text("requester").notNull(),
  status: text("status", { enum: ["pending", "approved", "denied", "expired"] }).notNull(),
  decisionBy: text("decision_by"),
  decisionReason: text("decision_reason"),
  createdAt: text("created_at").notNull(),
  expiresAt: text("expires_at").notNull(),
  decidedAt: text("decided_at"),
});

export type GateRequestRow = typeof gateRequests.$inferSelect;
export type ApprovalRow = typeof approvals.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type SpaceRow = typeof spaces.$inferSelect;
// Migration 18: causal chains, temporal patterns, reconsolidations, grounding tool quality.
export const causalChains = sqliteTable("causal_chains", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  rootMemoryId: integer("root_memory_id"),
  description: text("description"),
  confidence: real("confidence").notNull(),
  createdAt: text("created_at").notNull(),
});

export const causalLinks = sqliteTable("causal_links", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  chainId: integer("chain_id").notNull(),
  causeMemoryId: integer("cause_memory_id").notNull(),
  effectMemoryId: integer("effect_memory_id").notNull(),
  strength: real("strength").notNull(),
  orderIndex: integer("order_index").notNull(),
  createdAt: text("created_at").notNull(),
});

export const temporalPatterns = sqliteTable("temporal_patterns", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  label: text("label").notNull(),
  detail: text("detail").notNull(),
  patternType: text("pattern_type").notNull(),
  dayOfWeek: integer("day_of_week").notNull(),
  hour: integer("hour").notNull(),
  category: text("category"),
  memoryIds: text("memory_ids", { mode: "json" }).$type<number[]>().notNull(),
  confidence: real("confidence").notNull(),
  createdAt: text("created_at").notNull(),
});

export const toolQualityRecords = sqliteTable("tool_quality_records", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  toolKey: text("tool_key").notNull(),
  backend: text("backend").notNull(),
  server: text("server").notNull(),
  toolName: text("tool_name").notNull(),
  totalCalls: integer("total_calls").notNull(),
  totalSuccesses: integer("total_successes").notNull(),
  totalFailures: integer("total_failures").notNull(),
  totalExecutionMs: real("total_execution_ms").notNull(),
  lastExecutionAt: text("last_execution_at"),
  createdAt: text("created_at").notNull(),
});

export type LinkRow = typeof memoryLinks.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;
export type JobRow = typeof jobs.$inferSelect;
export type EntityRow = typeof entities.$inferSelect;
export type CommunityRow = typeof graphCommunities.$inferSelect;

// Migration 15: conversations, messages, episodes, personality (contracts/intelligence.md §2).
export const conversations = sqliteTable("conversations", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  agent: text("agent").notNull(),
  sessionId: text("session_id"),
  title: text("title"),
  metadata: text("metadata"),
  startedAt: text("started_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  createdAt: text("created_at").notNull(),
});

export const messages = sqliteTable("messages", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  conversationId: integer("conversation_id").notNull(),
  role: text("role").notNull(),
  content: text("content").notNull(),
  metadata: text("metadata"),
  createdAt: text("created_at").notNull(),
});

export const episodes = sqliteTable("episodes", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  title: text("title"),
  sessionId: text("session_id"),
  agent: text("agent"),
  summary: text("summary"),
  memoryCount: integer("memory_count").notNull(),
  durationSeconds: integer("duration_seconds"),
  decayScore: real("decay_score").notNull(),
  narrativeMemoryId: integer("narrative_memory_id"),
  startedAt: text("started_at").notNull(),
  endedAt: text("ended_at"),
  createdAt: text("created_at").notNull(),
});

export const personalitySignals = sqliteTable("personality_signals", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull(),
  memoryId: integer("memory_id"),
  signalType: text("signal_type").notNull(),
  subject: text("subject"),
  valence: text("valence").notNull(),
  value: real("value").notNull(),
  intensity: real("intensity").notNull(),
  reasoning: text("reasoning"),
  sourceText: text("source_text"),
  evidence: text("evidence"),
  agent: text("agent"),
  method: text("method").notNull(),
  createdAt: text("created_at").notNull(),
});

export const personalityProfiles = sqliteTable("personality_profiles", {
  userId: integer("user_id").primaryKey(),
  traits: text("traits").notNull(),
  profile: text("profile"),
  signalCount: integer("signal_count").notNull(),
  isStale: integer("is_stale").notNull(),
  lastUpdatedAt: text("last_updated_at").notNull(),
  createdAt: text("created_at").notNull(),
});

export type FactRow = typeof structuredFacts.$inferSelect;
export type ReflectionRow = typeof reflections.$inferSelect;
export type ConsolidationRow = typeof consolidations.$inferSelect;
