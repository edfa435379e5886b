import { createTransport, type Send } from "./transport.js";
import type {
  CausalChain,
  CausalChainRequest,
  CausalLink,
  CausalLinkRequest,
  ConsolidateRequest,
  Consolidated,
  ContradictionsRequest,
  ContradictionsResponse,
  DecomposeResponse,
  ExtractRequest,
  ExtractResponse,
  Reflection,
  ReflectionRequest,
  SentimentRequest,
  SentimentResponse,
  TemporalDetectResponse,
  TemporalPatternsParams,
  TemporalPatternsResponse,
  AuditParams,
  AuditResponse,
  BootstrapRequest,
  BootstrapResponse,
  CreateKeyRequest,
  CreateSpaceRequest,
  ContextRequest,
  ContextResponse,
  CreateUserRequest,
  HeaderRequest,
  HeaderResponse,
  PromptParams,
  PromptResponse,
  FsrsReviewRequest,
  FsrsReviewResponse,
  FsrsStateResponse,
  GraphNeighborhoodParams,
  GraphNeighborhoodResponse,
  GuardResponse,
  Deleted,
  Health,
  IssuedKey,
  CleanedJobs,
  CleanupJobsRequest,
  Job,
  JobListParams,
  JobListResponse,
  JobStats,
  JobStatsParams,
  KeysResponse,
  LinksResponse,
  ListKeysParams,
  ListParams,
  ListResponse,
  Memory,
  PurgedJobs,
  PurgeJobsRequest,
  RecallRequest,
  RecallResponse,
  RetriedJob,
  RetriedJobs,
  RetryJobsRequest,
  Revoked,
  RotatedKey,
  RotateKeyRequest,
  SearchRequest,
  SearchResponse,
  Space,
  SpacesResponse,
  StatusChange,
  Stats,
  StoreRequest,
  StoreResponse,
  TagSearchRequest,
  TagSearchResponse,
  TagsResponse,
  UpdateRequest,
  User,
  UsersResponse,
  VersionsResponse,
} from "./types.js";

export interface EngramClientOptions {
  /** e.g. http://127.0.0.1:4200 */
  baseUrl: string;
  apiKey?: string | undefined;
  /** Per request; a slow server fails the call instead of hanging the caller. */
  timeoutMs?: number | undefined;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Typed engram-server API: one method per route, responses returned as the server sent them.
 * Every failure throws EngramApiError (status 0 when the server could not be reached).
 */
export class EngramClient {
  readonly baseUrl: string;
  private readonly send: Send;

  constructor(opts: EngramClientOptions) {
    this.baseUrl = normalizeBaseUrl(opts.baseUrl);
    this.send = createTransport({ baseUrl: this.baseUrl, apiKey: opts.apiKey, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  }

  // ---- auth ----

  bootstrap(req: BootstrapRequest = {}): Promise<BootstrapResponse> {
    return this.send({ method: "POST", path: "/bootstrap", body: req });
  }

  createUser(req: CreateUserRequest): Promise<User> {
    return this.send({ method: "POST", path: "/users", body: req });
  }

  listUsers(): Promise<UsersResponse> {
    return this.send({ method: "GET", path: "/users" });
  }

  createKey(req: CreateKeyRequest = {}): Promise<IssuedKey> {
    return this.send({ method: "POST", path: "/keys", body: req });
  }

  listKeys(params: ListKeysParams = {}): Promise<KeysResponse> {
    return this.send({ method: "GET", path: "/keys", query: { ...params } });
  }

  revokeKey(id: number): Promise<Revoked> {
    return this.send({ method: "DELETE", path: `/keys/${id}` });
  }

  rotateKey(req: RotateKeyRequest): Promise<RotatedKey> {
    return this.send({ method: "POST", path: "/keys/rotate", body: req });
  }

  // ---- spaces ----

  createSpace(req: CreateSpaceRequest): Promise<Space> {
    return this.send({ method: "POST", path: "/spaces", body: req });
  }

  listSpaces(): Promise<SpacesResponse> {
    return this.send({ method: "GET", path: "/spaces" });
  }

  deleteSpace(id: number): Promise<Deleted> {
    return this.send({ method: "DELETE", path: `/spaces/${id}` });
  }

  // ---- memories ----

  store(req: StoreRequest): Promise<StoreResponse> {
    return this.send({ method: "POST", path: "/store", body: req });
  }

  get(id: number): Promise<Memory> {
    return this.send({ method: "GET", path: `/memory/${id}` });
  }

  list(params: ListParams = {}): Promise<ListResponse> {
    return this.send({ method: "GET", path: "/list", query: { ...params } });
  }

  update(id: number, req: UpdateRequest): Promise<Memory> {
    return this.send({ method: "POST", path: `/memory/${id}/update`, body: req });
  }

  forget(id: number, reason?: string): Promise<StatusChange> {
    return this.send({ method: "POST", path: `/memory/${id}/forget`, body: reason === undefined ? {} : { reason } });
  }

  archive(id: number): Promise<StatusChange> {
    return this.send({ method: "POST", path: `/memory/${id}/archive`, body: {} });
  }

  unarchive(id: number): Promise<StatusChange> {
    return this.send({ method: "POST", path: `/memory/${id}/unarchive`, body: {} });
  }

  delete(id: number): Promise<Deleted> {
    return this.send({ method: "DELETE", path: `/memory/${id}` });
  }

  versions(id: number): Promise<VersionsResponse> {
    return this.send({ method: "GET", path: `/versions/${id}` });
  }

  links(id: number): Promise<LinksResponse> {
    return this.send({ method: "GET", path: `/links/${id}` });
  }

  // ---- tags ----

  tags(): Promise<TagsResponse> {
    return this.send({ method: "GET", path: "/tags" });
  }

  searchTags(req: TagSearchRequest): Promise<TagSearchResponse> {
    return this.send({ method: "POST", path: "/tags/search", body: req });
  }

  setTags(id: number, tags: string[]): Promise<Memory> {
    return this.send({ method: "PUT", path: `/memory/${id}/tags`, body: { tags } });
  }

  // ---- search ----

  search(req: SearchRequest): Promise<SearchResponse> {
    return this.send({ method: "POST", path: "/search", body: req });
  }

  recall(req: RecallRequest = {}): Promise<RecallResponse> {
    return this.send({ method: "POST", path: "/recall", body: req });
  }

  context(req: ContextRequest): Promise<ContextResponse> {
    return this.send({ method: "POST", path: "/context", body: req });
  }

  /** Which of the caller's newest memories other models wrote, for the top of a model's prompt. */
  header(req: HeaderRequest = {}): Promise<HeaderResponse> {
    return this.send({ method: "POST", path: "/header", body: req });
  }

  /** The caller's memories packed into a token budget (`tokens`) and wrapped for a system prompt. */
  prompt(params: PromptParams = {}): Promise<PromptResponse> {
    return this.send({ method: "GET", path: "/prompt", query: { ...params } });
  }

  // ---- guardrails ----

  guard(action: string): Promise<GuardResponse> {
    return this.send({ method: "POST", path: "/guard", body: { action } });
  }

  // ---- intelligence ----

  /** Merge 2-50 of the caller's memories into one; the sources stay and are linked to it. */
  consolidate(req: ConsolidateRequest): Promise<Consolidated> {
    return this.send({ method: "POST", path: "/consolidate", body: req });
  }

  /** Every contradicting pair of the caller's facts. */
  contradictions(req: ContradictionsRequest = {}): Promise<ContradictionsResponse> {
    return this.send({ method: "POST", path: "/contradictions", body: req });
  }

  /** The contradicting pairs that involve one memory. */
  memoryContradictions(memoryId: number): Promise<ContradictionsResponse> {
    return this.send({ method: "GET", path: `/contradictions/${memoryId}` });
  }

  decompose(memoryId: number): Promise<DecomposeResponse> {
    return this.send({ method: "POST", path: `/intelligence/decompose/${memoryId}`, body: {} });
  }

  detectTemporalPatterns(): Promise<TemporalDetectResponse> {
    return this.send({ method: "POST", path: "/intelligence/temporal/detect", body: {} });
  }

  temporalPatterns(params: TemporalPatternsParams = {}): Promise<TemporalPatternsResponse> {
    return this.send({ method: "GET", path: "/intelligence/temporal/patterns", query: { ...params } });
  }

  createReflection(req: ReflectionRequest): Promise<Reflection> {
    return this.send({ method: "POST", path: "/reflections", body: req });
  }

  extractFacts(req: ExtractRequest): Promise<ExtractResponse> {
    return this.send({ method: "POST", path: "/intelligence/extract", body: req });
  }

  sentiment(req: SentimentRequest): Promise<SentimentResponse> {
    return this.send({ method: "POST", path: "/intelligence/sentiment/analyze", body: req });
  }

  causalChain(id: number): Promise<CausalChain> {
    return this.send({ method: "GET", path: `/intelligence/causal/chains/${id}` });
  }

  createCausalChain(req: CausalChainRequest): Promise<CausalChain> {
    return this.send({ method: "POST", path: "/intelligence/causal/chains", body: req });
  }

  addCausalLink(req: CausalLinkRequest): Promise<CausalLink> {
    return this.send({ method: "POST", path: "/intelligence/causal/links", body: req });
  }

  // ---- FSRS ----

  fsrsReview(req: FsrsReviewRequest): Promise<FsrsReviewResponse> {
    return this.send({ method: "POST", path: "/fsrs/review", body: req });
  }

  fsrsState(id: number): Promise<FsrsStateResponse> {
    return this.send({ method: "GET", path: "/fsrs/state", query: { id } });
  }

  // ---- graph ----

  graphNeighborhood(id: number, params: GraphNeighborhoodParams = {}): Promise<GraphNeighborhoodResponse> {
    return this.send({ method: "GET", path: `/graph/neighborhood/${id}`, query: { ...params } });
  }

  // ---- jobs (a key without admin sees its own user's jobs; admin sees all, or one user's with user_id) ----

  listJobs(params: JobListParams = {}): Promise<JobListResponse> {
    return this.send({ method: "GET", path: "/jobs", query: { ...params } });
  }

  getJob(id: number): Promise<Job> {
    return this.send({ method: "GET", path: `/jobs/${id}` });
  }

  jobStats(params: JobStatsParams = {}): Promise<JobStats> {
    return this.send({ method: "GET", path: "/jobs/stats", query: { ...params } });
  }

  /** One failed job back to pending with fresh attempts (409 when it has not failed). */
  retryJob(id: number): Promise<RetriedJob> {
    return this.send({ method: "POST", path: `/jobs/${id}/retry`, body: {} });
  }

  /** Every failed job (optionally of one type) back to pending. */
  retryJobs(req: RetryJobsRequest = {}): Promise<RetriedJobs> {
    return this.send({ method: "POST", path: "/jobs/retry", body: req });
  }

  /** Delete failed jobs (or completed, pending, all but running), optionally of one type or older than a cutoff. */
  purgeJobs(req: PurgeJobsRequest = {}): Promise<PurgedJobs> {
    return this.send({ method: "POST", path: "/jobs/purge", body: req });
  }

  /** Delete completed jobs older than a cutoff (the server's default: 7 days). */
  cleanupJobs(req: CleanupJobsRequest = {}): Promise<CleanedJobs> {
    return this.send({ method: "POST", path: "/jobs/cleanup", body: req });
  }

  // ---- operations ----

  stats(): Promise<Stats> {
    return this.send({ method: "GET", path: "/stats" });
  }

  audit(params: AuditParams = {}): Promise<AuditResponse> {
    return this.send({ method: "GET", path: "/audit", query: { ...params } });
  }

  health(): Promise<Health> {
    return this.send({ method: "GET", path: "/health" });
  }
}

/**
 * Checked up front so a typo in the URL reads as such, not as a confusing fetch failure later;
 * a trailing slash is dropped so paths join without doubling it.
 */
function normalizeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`invalid engram-server URL "${baseUrl}" (expected e.g. http://127.0.0.1:4200)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`invalid engram-server URL "${baseUrl}": only http and https are supported`);
  }
  return baseUrl.replace(/\/+$/, "");
}
