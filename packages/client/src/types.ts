/**
 * Request and response shapes of the engram-server HTTP API, snake_case exactly as on the wire,
 * so a response can be printed or forwarded as-is. Ids are integers, timestamps ISO-8601 UTC.
 */

export type MemoryStatus = "active" | "archived" | "forgotten";
export type Role = "admin" | "writer" | "reader";

export interface Memory {
  id: number;
  content: string;
  category: string;
  source: string;
  importance: number;
  tags: string[];
  session_id: string | null;
  space_id: number | null;
  version: number;
  is_latest: boolean;
  parent_memory_id: number | null;
  root_memory_id: number | null;
  source_count: number;
  is_static: boolean;
  is_forgotten: boolean;
  is_archived: boolean;
  status: MemoryStatus;
  forget_reason: string | null;
  decay_score: number;
  access_count: number;
  last_accessed_at: string | null;
  fsrs_stability: number | null;
  fsrs_difficulty: number | null;
  fsrs_retrieval_strength: number | null;
  fsrs_storage_strength: number | null;
  fsrs_reps: number;
  fsrs_lapses: number;
  fsrs_last_review_at: string | null;
  created_at: string;
  updated_at: string;
}

// ---- memories ----

export interface StoreRequest {
  content: string;
  category?: string;
  source?: string;
  /** Integer 1-10; the server defaults to 5. */
  importance?: number;
  tags?: string[];
  session_id?: string;
  is_static?: boolean;
  space_id?: number;
  parent_memory_id?: number;
  embedding?: number[];
}

export interface StoreCreated {
  stored: true;
  id: number;
  created_at: string;
  importance: number;
  embedded: boolean;
  tags: string[];
  decay_score: number;
}

/** A near-duplicate is not stored again; the existing memory's source_count goes up instead. */
export interface StoreDuplicate {
  stored: false;
  duplicate: true;
  existing_id: number;
  boosted: boolean;
  distance: number;
}

/**
 * An engram-sidecar whose server cannot be reached acknowledges a store once it is fsync'ed to
 * its buffer (202); the buffer is sent to the server later, in order.
 */
export interface StoreBuffered {
  buffered: true;
  /** The store's place in the sidecar's buffer. */
  position: number;
  seq: number;
}

export type StoreResponse = StoreCreated | StoreDuplicate | StoreBuffered;

export interface ListParams {
  limit?: number;
  offset?: number;
  category?: string;
  source?: string;
  space_id?: number;
  include_forgotten?: boolean;
  include_archived?: boolean;
}

export interface ListResponse {
  results: Memory[];
  count: number;
  limit: number;
  offset: number;
}

export interface TagSearchResponse {
  results: Memory[];
}

export interface UpdateRequest {
  content?: string;
  category?: string;
  importance?: number;
  tags?: string[];
  is_static?: boolean;
  status?: MemoryStatus;
}

export interface MemoryVersion {
  id: number;
  content: string;
  version: number;
  is_latest: boolean;
  status: MemoryStatus;
  created_at: string;
}

export interface VersionsResponse {
  /** The whole chain, oldest first. */
  versions: MemoryVersion[];
}

export interface StatusChange {
  id: number;
  status: MemoryStatus;
}

export interface Deleted {
  deleted: true;
  id: number;
}

export interface Link {
  source_id: number;
  target_id: number;
  type: string;
  similarity: number;
  created_at: string;
}

export interface LinksResponse {
  links: Link[];
}

// ---- tags ----

export interface TagsResponse {
  tags: { tag: string; count: number }[];
}

export interface TagSearchRequest {
  tags: string[];
  match_all?: boolean;
  limit?: number;
}

// ---- search ----

export interface SearchRequest {
  query: string;
  limit?: number;
  category?: string;
  source?: string;
  tags?: string[];
  tag?: string;
  threshold?: number;
  space_id?: number;
  include_forgotten?: boolean;
  latest_only?: boolean;
  mode?: string;
  question_type?: string;
  expand_relationships?: boolean;
  include_links?: boolean;
}

export interface SearchResult {
  id: number;
  content: string;
  category: string;
  source: string;
  importance: number;
  created_at: string;
  score: number;
  tags: string[];
  search_type: string;
  decay_score: number;
  version: number;
  is_latest: boolean;
}

export interface SearchResponse {
  results: SearchResult[];
  /** True when nothing cleared the threshold: the server declines to guess. */
  abstained: boolean;
  top_score: number;
}

/** `context` and `query` are synonyms; with neither, the most important recent memories come back. */
export interface RecallRequest {
  context?: string;
  query?: string;
  limit?: number;
  space_id?: number;
}

export interface RecallResponse {
  memories: Memory[];
}

// ---- auth: bootstrap, users, keys ----

export interface BootstrapRequest {
  name?: string;
  secret?: string;
}

export interface BootstrapResponse {
  /** Same value as api_key; the plain key is shown only once. */
  key: string;
  api_key: string;
  name: string;
  scopes: string;
  user_id: number;
  message: string;
}

export interface CreateUserRequest {
  username: string;
  email?: string;
  role?: Role;
}

export interface User {
  id: number;
  username: string;
  email: string | null;
  role: Role;
  created_at: string;
}

export interface UsersResponse {
  users: User[];
}

export interface CreateKeyRequest {
  name?: string;
  /** Comma-separated: "read,write". */
  scopes?: string;
  user_id?: number;
  rate_limit?: number;
  expires_at?: string;
  ttl_secs?: number;
}

export interface IssuedKey {
  /** The plain key, shown only once. */
  key: string;
  api_key: string;
  id: number;
  name: string;
  scopes: string;
  rate_limit: number | null;
  user_id: number;
  expires_at: string | null;
  message: string;
}

export interface ApiKey {
  id: number;
  name: string;
  key_prefix: string;
  scopes: string;
  user_id: number;
  rate_limit: number | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  /** The key that minted this one; revoking it revokes this one too. */
  minted_by: number | null;
  rotated_from: number | null;
}

export interface ListKeysParams {
  /** Admins only: one user's keys instead of everyone's. */
  user_id?: number;
}

export interface KeysResponse {
  keys: ApiKey[];
}

export interface Revoked {
  revoked: true;
  id: number;
  /** Keys revoked with it: every key it minted, at any depth. */
  also_revoked: number[];
}

export interface RotateKeyRequest {
  key_id: number;
  /** How long the old key keeps working; the server defaults to 24. */
  grace_hours?: number;
}

export interface RotatedKey extends IssuedKey {
  rotated_from: number;
  grace_hours: number;
}

// ---- spaces ----

export interface CreateSpaceRequest {
  name: string;
  description?: string;
}

export interface Space {
  id: number;
  name: string;
  description: string | null;
  created_at: string;
}

export interface SpacesResponse {
  spaces: (Space & { memory_count: number })[];
}

// ---- operations ----

export interface Stats {
  user_id: number;
  memories: { active: number; archived: number; forgotten: number; total: number };
  versions: { superseded: number; rows: number };
  links: number;
  tags: number;
  spaces: number;
}

export interface AuditParams {
  limit?: number;
  user_id?: number;
  /** Paging: entries older than this id. */
  before?: number;
}

export interface AuditEntry {
  id: number;
  user_id: number | null;
  key_id: number | null;
  method: string;
  route: string;
  target_ids: number[];
  status: number;
  remote_addr: string | null;
  created_at: string;
  /** 1, or for a row of counted refusals (route "*"): the refusals from this address in this minute. */
  count: number;
}

export interface AuditResponse {
  entries: AuditEntry[];
}

export interface Health {
  status: string;
  version: string;
  uptime_secs: number;
}

// ---- context (POST /context) ----

export type ContextStrategy = "balanced" | "precision" | "breadth";
export type ContextMode = "fast" | "balanced" | "deep" | "decision";

export interface ContextRequest {
  query: string;
  max_tokens?: number;
  token_budget?: number;
  budget?: number;
  strategy?: ContextStrategy;
  mode?: ContextMode;
  session?: string;
  space_id?: number;
}

export interface ContextBlock {
  id: number;
  category: string;
  source: string;
  score: number;
  tokens: number;
  kind?: string;
  content?: string;
}

export interface ContextResponse {
  context: string;
  blocks: ContextBlock[];
  token_estimate: number;
  token_budget: number;
  utilization: number;
  strategy: string;
  breakdown: Record<string, number>;
  timing: Record<string, number>;
}

// ---- guardrails (POST /guard) ----

export interface GuardResponse {
  signal: "allow" | "warn" | "block";
  action: string;
  rules: { id: number; content: string; importance: number }[];
  message: string;
}

// ---- FSRS ----

export interface FsrsReviewRequest {
  id: number;
  grade?: 1 | 2 | 3 | 4;
}

export interface FsrsReviewResponse {
  id: number;
  fsrs: {
    stability: number;
    difficulty: number;
    storage_strength: number;
    retrieval_strength: number;
    learning_state: number;
    reps: number;
    lapses: number;
    last_review_at: string | null;
  };
}

export interface FsrsStateResponse {
  id: number;
  retrievability: number;
  next_review_days: number;
  fsrs_stability: number | null;
  fsrs_difficulty: number | null;
  [key: string]: unknown;
}

// ---- graph ----

export interface GraphNeighborhoodParams {
  depth?: number;
  limit?: number;
}

export interface GraphNode {
  id: number;
  content: string;
  category: string;
  importance: number;
  [key: string]: unknown;
}

export interface GraphEdge {
  source_id: number;
  target_id: number;
  type: string;
  similarity: number;
  [key: string]: unknown;
}

export interface GraphNeighborhoodResponse {
  center: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  [key: string]: unknown;
}
