import type { components, paths } from "./generated/api.js";

/**
 * Request and response shapes of the engram-server HTTP API, snake_case exactly as on the wire,
 * so a response can be printed or forwarded as-is. Ids are integers, timestamps ISO-8601 UTC.
 * Each one is read from generated/api.ts, which is generated from the server's /openapi.json:
 * the zod schemas its routes declare are the one source. The names here are the client's API.
 */
export type { components, paths };

type Schemas = components["schemas"];
type Operation<P extends keyof paths, M extends keyof paths[P]> = paths[P][M];

/** The JSON body a route answers with for a status. */
type JsonResponse<P extends keyof paths, M extends keyof paths[P], S extends number = 200> =
  Operation<P, M> extends { responses: { [K in S]: { content: { "application/json": infer Body } } } } ? Body : never;

/** The JSON body a route accepts. */
type JsonRequest<P extends keyof paths, M extends keyof paths[P]> =
  Operation<P, M> extends { requestBody?: { content: { "application/json": infer Body } } } ? Body : never;

type QueryBool = "0" | "1" | "true" | "false";
/**
 * A route's query parameters as the client takes them: every one optional, and the
 * document's query-string booleans as booleans (the transport writes them as "true"/"false").
 */
type QueryParams<P extends keyof paths, M extends keyof paths[P]> =
  Operation<P, M> extends { parameters: { query?: infer Q } }
    ? { [K in keyof Q]?: Exclude<Q[K], null | undefined> extends QueryBool ? boolean : Exclude<Q[K], null | undefined> }
    : never;

export type MemoryStatus = Schemas["Memory"]["status"];
export type Role = Schemas["User"]["role"];
export type Memory = Schemas["Memory"];

// ---- memories ----

export type StoreRequest = JsonRequest<"/store", "post">;
export type StoreCreated = Schemas["StoreCreated"];
/** A near-duplicate is not stored again; the existing memory's source_count goes up instead. */
export type StoreDuplicate = Schemas["StoreDuplicate"];

/**
 * An engram-sidecar whose server cannot be reached acknowledges a store once it is fsync'ed to
 * its buffer (202); the buffer is sent to the server later, in order. The sidecar's own answer,
 * so it is not in the server's document.
 */
export interface StoreBuffered {
  buffered: true;
  /** The store's place in the sidecar's buffer. */
  position: number;
  seq: number;
}

export type StoreResponse = StoreCreated | StoreDuplicate | StoreBuffered;

export type ListParams = QueryParams<"/list", "get">;
export type ListResponse = JsonResponse<"/list", "get">;
export type TagSearchResponse = JsonResponse<"/tags/search", "post">;
export type UpdateRequest = JsonRequest<"/memory/{id}/update", "post">;
export type MemoryVersion = Schemas["MemoryVersion"];
export type VersionsResponse = JsonResponse<"/versions/{id}", "get">;
export type StatusChange = JsonResponse<"/memory/{id}/archive", "post">;
export type Deleted = JsonResponse<"/memory/{id}", "delete">;
export type Link = Schemas["Link"];
export type LinksResponse = JsonResponse<"/links/{id}", "get">;

// ---- tags ----

export type TagsResponse = JsonResponse<"/tags", "get">;
export type TagSearchRequest = JsonRequest<"/tags/search", "post">;

// ---- search ----

export type SearchRequest = JsonRequest<"/search", "post">;
export type SearchResult = Schemas["SearchResult"];
export type SearchResponse = JsonResponse<"/search", "post">;
/** `context` and `query` are synonyms; with neither, the most important recent memories come back. */
export type RecallRequest = JsonRequest<"/recall", "post">;
export type RecallResponse = JsonResponse<"/recall", "post">;

// ---- auth: bootstrap, users, keys ----

export type BootstrapRequest = JsonRequest<"/bootstrap", "post">;
export type BootstrapResponse = JsonResponse<"/bootstrap", "post", 201>;
export type CreateUserRequest = JsonRequest<"/users", "post">;
export type User = Schemas["User"];
export type UsersResponse = JsonResponse<"/users", "get">;
export type CreateKeyRequest = JsonRequest<"/keys", "post">;
export type IssuedKey = Schemas["IssuedKey"];
export type ApiKey = Schemas["ApiKey"];
export type ListKeysParams = QueryParams<"/keys", "get">;
export type KeysResponse = JsonResponse<"/keys", "get">;
export type Revoked = JsonResponse<"/keys/{id}", "delete">;
export type RotateKeyRequest = JsonRequest<"/keys/rotate", "post">;
export type RotatedKey = Schemas["RotatedKey"];

// ---- spaces ----

export type CreateSpaceRequest = JsonRequest<"/spaces", "post">;
export type Space = Schemas["Space"];
export type SpacesResponse = JsonResponse<"/spaces", "get">;

// ---- operations ----

export type Stats = JsonResponse<"/stats", "get">;
export type AuditParams = QueryParams<"/audit", "get">;
export type AuditEntry = Schemas["AuditEntry"];
export type AuditResponse = JsonResponse<"/audit", "get">;
export type Health = JsonResponse<"/health", "get">;

// ---- jobs ----

export type Job = Schemas["Job"];
export type JobStatus = Job["status"];
export type JobListParams = QueryParams<"/jobs", "get">;
export type JobListResponse = JsonResponse<"/jobs", "get">;
export type JobStatsParams = QueryParams<"/jobs/stats", "get">;
export type JobStats = JsonResponse<"/jobs/stats", "get">;
export type RetriedJob = JsonResponse<"/jobs/{id}/retry", "post">;
export type RetryJobsRequest = JsonRequest<"/jobs/retry", "post">;
export type RetriedJobs = JsonResponse<"/jobs/retry", "post">;
export type PurgeJobsRequest = JsonRequest<"/jobs/purge", "post">;
export type PurgedJobs = JsonResponse<"/jobs/purge", "post">;
export type CleanupJobsRequest = JsonRequest<"/jobs/cleanup", "post">;
export type CleanedJobs = JsonResponse<"/jobs/cleanup", "post">;

// ---- context (POST /context) ----

export type ContextRequest = JsonRequest<"/context", "post">;
export type ContextStrategy = NonNullable<ContextRequest["strategy"]>;
export type ContextMode = NonNullable<ContextRequest["mode"]>;
export type ContextResponse = Schemas["Context"];
export type ContextBlock = ContextResponse["blocks"][number];

// ---- prompt material (POST /header, GET /prompt) ----

export type HeaderRequest = JsonRequest<"/header", "post">;
export type HeaderResponse = Schemas["TaskHeader"];
export type PromptParams = QueryParams<"/prompt", "get">;
export type PromptFormat = NonNullable<PromptParams["format"]>;
export type PromptResponse = Schemas["Prompt"];

// ---- guardrails (POST /guard) ----

export type GuardResponse = JsonResponse<"/guard", "post">;

// ---- FSRS ----

export type FsrsReviewRequest = JsonRequest<"/fsrs/review", "post">;
export type FsrsReviewResponse = JsonResponse<"/fsrs/review", "post">;
export type FsrsStateResponse = JsonResponse<"/fsrs/state", "get">;

// ---- graph ----

export type GraphNeighborhoodParams = QueryParams<"/graph/neighborhood/{id}", "get">;
export type GraphNode = Schemas["GraphNode"];
export type GraphEdge = Schemas["Link"];
export type GraphNeighborhoodResponse = JsonResponse<"/graph/neighborhood/{id}", "get">;

// ---- intelligence (the routes the MCP intelligence tools call) ----

export type ConsolidateRequest = JsonRequest<"/consolidate", "post">;
export type Consolidated = JsonResponse<"/consolidate", "post", 201>;
export type ContradictionsRequest = JsonRequest<"/contradictions", "post">;
export type ContradictionsResponse = JsonResponse<"/contradictions", "post">;
export type DecomposeResponse = JsonResponse<"/intelligence/decompose/{memory_id}", "post">;
export type TemporalPatternsParams = QueryParams<"/intelligence/temporal/patterns", "get">;
export type TemporalPatternsResponse = JsonResponse<"/intelligence/temporal/patterns", "get">;
export type TemporalDetectResponse = JsonResponse<"/intelligence/temporal/detect", "post">;
export type ReflectionRequest = JsonRequest<"/reflections", "post">;
export type Reflection = JsonResponse<"/reflections", "post", 201>;
export type ExtractRequest = JsonRequest<"/intelligence/extract", "post">;
export type ExtractResponse = JsonResponse<"/intelligence/extract", "post">;
export type SentimentRequest = JsonRequest<"/intelligence/sentiment/analyze", "post">;
export type SentimentResponse = JsonResponse<"/intelligence/sentiment/analyze", "post">;
export type CausalChainRequest = JsonRequest<"/intelligence/causal/chains", "post">;
export type CausalChain = JsonResponse<"/intelligence/causal/chains/{id}", "get">;
export type CausalLinkRequest = JsonRequest<"/intelligence/causal/links", "post">;
export type CausalLink = JsonResponse<"/intelligence/causal/links", "post", 201>;
