export { loadConfig, ConfigError, isLoopbackHost, isLoopbackAddress, type Config, type LogLevel } from "./config/index.js";
export { openDb, runMigrations, appliedSchemaVersion, type Db } from "./db/connection.js";
export { restrictDataPaths, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, type Restricted } from "./db/private-files.js";
export { MIGRATIONS, type Migration } from "./db/migrations.js";
export * as schema from "./db/schema.js";
export type { MemoryRow, UserRow, ApiKeyRow, SpaceRow, LinkRow, AuditRow } from "./db/schema.js";
export { EngramError, type ErrorKind } from "./errors.js";
export { systemClock, ManualClock, type Clock } from "./util/clock.js";
export { seededRandom } from "./util/random.js";
export { createEngram, type Engram } from "./engram.js";
export { AuthService, type Principal, type Role, type IssuedKey, type CreateKeyInput } from "./auth/service.js";
export { DEFAULT_AUTH_CONFIG, type AuthConfig } from "./auth/config.js";
export type { KeyGrant } from "./auth/key-rules.js";
export { MemoryStatusCounts, type StatusCounts } from "./memory/status-counts.js";
export { hashApiKey, canonicalKey, generateApiKey, parseScopes, hasScope, SCOPES, type Scope } from "./auth/keys.js";
export { MemoryService, type StoreResult, type MemoryStatus } from "./memory/memories.js";
export {
  storeInputSchema,
  updateInputSchema,
  contentSchema,
  tagsSchema,
  importanceSchema,
  normalizeTags,
  typeError,
  MAX_CONTENT_BYTES,
  type StoreInput,
  type UpdateInput,
  type ListFilters,
} from "./memory/schemas.js";
export { simhash, hammingDistance, simhashTokens } from "./memory/simhash.js";
export { buildFtsQuery, queryTerms } from "./text/fts-query.js";
export { SearchService, type SearchHit, type SearchResult, type SearchRequest } from "./search/service.js";
export { AuditLog, type AuditEntry, type Refusal } from "./audit/audit-log.js";
export * from "./embed/index.js";
export { VectorStore, type ActiveModel, type VectorIndexConfig } from "./vector/vector-store.js";
export { LanceVectorIndex } from "./vector/lance-index.js";
export { TieredVectorIndex } from "./vector/tiered-index.js";
export { ExactVectorIndex } from "./vector/exact-index.js";
export type { VectorIndex, VectorHit, VectorSource } from "./vector/index.js";
export { pullModel, listModels, modelDir, manualInstallHint, ModelHubError, type PullOptions, type PullProgress, type PullResult, type InstalledModel } from "./models/hub.js";
export { EmbeddingService, type ReembedJob, type EmbeddingLog } from "./vector/embedding-service.js";
export { fuse, scoreFuse, RRF_K, type ChannelRanking, type Fused, type FusionMethod } from "./search/fusion.js";
export { CHANNELS, TYPE_WEIGHTS, RRF_WEIGHTS, type ChannelName, type ChannelWeights } from "./search/weights.js";
export { detectQuestionType, QUESTION_TYPES, type QuestionType } from "./search/question-type.js";
export type { Factors } from "./search/factors.js";
export { SearchReranker } from "./search/rerank.js";
export {
  ContextAssembler,
  CONTEXT_MODES,
  CONTEXT_STRATEGIES,
  SECTIONS as CONTEXT_SECTIONS,
  type AssembledContext,
  type ContextBlock,
  type ContextProgress,
  countTokens,
} from "./search/context.js";
export * from "./fsrs/index.js";
export * from "./graph/index.js";
export { JobQueue, type JobContext, type JobHandler, type JobLog } from "./jobs/queue.js";
export { JobStore, JOB_STATUSES, type JobStatus, type JobScope, type JobStats, type JobListFilter } from "./jobs/store.js";
export { DEFAULT_JOBS_CONFIG, backoffMs, type JobsConfig } from "./jobs/config.js";
export type { JobRow } from "./db/schema.js";
export { GuardService, type GuardVerdict, type GuardRule, type GuardSignal } from "./intelligence/guard.js";
