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
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type SpaceRow = typeof spaces.$inferSelect;
export type LinkRow = typeof memoryLinks.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;
export type JobRow = typeof jobs.$inferSelect;
export type EntityRow = typeof entities.$inferSelect;
export type CommunityRow = typeof graphCommunities.$inferSelect;
