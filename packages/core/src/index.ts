export { loadConfig, ConfigError, isLoopbackHost, type Config, type LogLevel } from "./config/index.js";
export { openDb, runMigrations, type Db } from "./db/connection.js";
export { MIGRATIONS, type Migration } from "./db/migrations.js";
export * as schema from "./db/schema.js";
export type { MemoryRow, UserRow, ApiKeyRow, SpaceRow, LinkRow, AuditRow } from "./db/schema.js";
export { EngramError, type ErrorKind } from "./errors.js";
export { systemClock, ManualClock, type Clock } from "./util/clock.js";
export { createEngram, type Engram } from "./engram.js";
export { AuthService, type Principal, type Role, type IssuedKey, type CreateKeyInput } from "./auth/service.js";
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
export { buildFtsQuery, queryTerms } from "./search/fts-query.js";
export { SearchService, type SearchHit, type SearchResult, type SearchRequest } from "./search/service.js";
export { AuditLog, type AuditEntry } from "./audit/audit-log.js";
export * from "./embed/index.js";
export { VectorStore, type ActiveModel } from "./vector/vector-store.js";
export { ExactVectorIndex } from "./vector/exact-index.js";
export type { VectorIndex, VectorHit } from "./vector/index.js";
export { EmbeddingService, type ReembedJob, type EmbeddingLog } from "./vector/embedding-service.js";
export { fuse, RRF_K, type ChannelName, type ChannelRanking, type Fused } from "./search/fusion.js";
export { CHANNEL_WEIGHTS } from "./search/service.js";
