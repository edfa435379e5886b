import os from "node:os";
import { isIP } from "node:net";
import path from "node:path";
import { z } from "zod";
import { parseLogLevel } from "./log-level.js";
import { DEFAULT_ONNX_MAX_SEQ, USE_LITE_MAX_SEQ, type EmbedderConfig } from "../embed/index.js";
import { DEFAULT_MAX_WINDOWS } from "../embed/index.js";
import { ONNX_FILE_NAME } from "../embed/index.js";
import type { VectorIndexConfig } from "../vector/index.js";
import { DEFAULT_JOBS_CONFIG, type JobsConfig } from "../jobs/index.js";
import { DEFAULT_GRAPH_CONFIG, type GraphConfig } from "../graph/index.js";
import { DEFAULT_ABSTAIN_MIN_SIMILARITY } from "../search/index.js";
import type { GuardrailsConfig } from "../intelligence/index.js";
import { ENCRYPTION_MODES, type EncryptionConfig } from "../encryption/index.js";
import { DEFAULT_LLM_BG_TIMEOUT_MS, DEFAULT_LLM_CONCURRENCY, DEFAULT_LLM_MODEL, DEFAULT_LLM_TIMEOUT_MS, type LlmConfig } from "../llm/index.js";

/**
 * The one place in core that reads the environment. Everything else receives a
 * validated `Config`, so tests and embedders can build one without touching process.env.
 */
const boolFlag = z
  .enum(["1", "0", "true", "false", "yes", "no", "on", "off"])
  .transform((v) => ["1", "true", "yes", "on"].includes(v));

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const onnxFileName = z
  .string()
  .regex(ONNX_FILE_NAME, "must be a file name ending in .onnx, without a folder")
  .default("model_quantized.onnx");

/** Query vectors kept: 1024 USE-lite vectors are 2 MB. */
export const DEFAULT_QUERY_EMBED_CACHE = 1024;
/** /ingest* body limit (contracts/intelligence.md §1) and how long an ingested URL may take to arrive. */
export const DEFAULT_INGEST_MAX_BODY_BYTES = 10 * 1024 * 1024;
export const DEFAULT_INGEST_URL_TIMEOUT_MS = 15_000;
/** Body limits of /import* and POST /backup/verify (contracts/platform.md §1): 64 MiB, 4 GiB (streamed to disk). */
export const DEFAULT_MAX_IMPORT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_BACKUP_UPLOAD_BYTES = 4 * 1024 * 1024 * 1024;

const envSchema = z.object({
  ENGRAM_HOST: z.string().min(1).default("127.0.0.1"),
  ENGRAM_PORT: port.default(4200),
  ENGRAM_DATA_DIR: z.string().min(1).default("./data"),
  ENGRAM_DB_PATH: z.string().min(1).optional(),
  ENGRAM_DB_SYNCHRONOUS: z.enum(["full", "normal"]).default("full"),
  ENGRAM_ENCRYPTION_MODE: z.enum(ENCRYPTION_MODES).default("none"),
  ENGRAM_KEYFILE: z.string().min(1).optional(),
  // Never validated here: a bad key is a key problem (exit 3), and a ConfigError would print the value.
  ENGRAM_DB_KEY: z.string().optional(),
  ENGRAM_BOOTSTRAP_SECRET: z.string().min(1).optional(),
  ENGRAM_OPEN_ACCESS: boolFlag.default(false),
  ENGRAM_API_KEY_PEPPER: z.string().optional(),
  ENGRAM_RATE_LIMIT_ENABLED: boolFlag.default(true),
  ENGRAM_RATE_LIMIT_PER_MINUTE: positiveInt.default(600),
  ENGRAM_RATE_LIMIT_PER_USER_PER_MINUTE: positiveInt.default(1800),
  ENGRAM_AUTH_FAILURES_PER_MINUTE: positiveInt.default(30),
  ENGRAM_MAX_KEYS_PER_USER: positiveInt.default(100),
  ENGRAM_METRICS_PUBLIC: boolFlag.default(false),
  ENGRAM_AUTO_DECOMPOSE: boolFlag.default(false),
  ENGRAM_MAX_BODY_BYTES: positiveInt.default(1024 * 1024),
  ENGRAM_LOG_LEVEL: z.string().default("info"),
  ENGRAM_SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
  ENGRAM_EMBEDDING_PROVIDER: z.enum(["auto", "use-lite", "onnx", "openai", "none"]).default("auto"),
  ENGRAM_MODELS_DIR: z.string().min(1).default("./models"),
  ENGRAM_EMBEDDING_MODEL: z.string().min(1).optional(),
  ENGRAM_EMBEDDING_MODEL_DIR: z.string().min(1).optional(),
  ENGRAM_EMBEDDING_ONNX_FILE: onnxFileName,
  ENGRAM_EMBEDDING_MAX_SEQ: positiveInt.optional(),
  ENGRAM_EMBEDDING_MAX_WINDOWS: positiveInt.max(1000).default(DEFAULT_MAX_WINDOWS),
  ENGRAM_EMBEDDING_THREADS: positiveInt.max(64).optional(),
  ENGRAM_EMBEDDING_POOLING: z.enum(["cls", "mean"]).optional(),
  ENGRAM_QUERY_EMBED_CACHE: z.coerce.number().int().min(0).max(1_000_000).default(DEFAULT_QUERY_EMBED_CACHE),
  ENGRAM_EMBEDDING_URL: z.string().url().optional(),
  ENGRAM_EMBEDDING_KEY: z.string().optional(),
  ENGRAM_VECTOR_MIN_SIMILARITY: z.coerce.number().min(-1).max(1).default(0.2),
  ENGRAM_FUSION: z.enum(["score", "rrf"]).default("score"),
  ENGRAM_VECTOR_WEIGHT: z.coerce.number().min(0).max(10).default(1),
  ENGRAM_SEARCH_RANKER: z.enum(["on", "off"]).default("on"),
  ENGRAM_SEARCH_SYNONYMS: z.enum(["on", "off"]).default("on"),
  ENGRAM_SEARCH_ABSTAIN_SIMILARITY: z.coerce.number().min(-1).max(1).default(DEFAULT_ABSTAIN_MIN_SIMILARITY),
  ENGRAM_RERANKER_ENABLED: boolFlag.default(true),
  ENGRAM_RERANKER_MODEL_DIR: z.string().min(1).optional(),
  ENGRAM_RERANKER_ONNX_FILE: onnxFileName,
  ENGRAM_RERANKER_TOP_K: positiveInt.max(100).default(12),
  // Unset: on, except under encryption, whose index files would hold vectors in the clear (platform.md §2.1).
  ENGRAM_USE_LANCE_INDEX: boolFlag.optional(),
  ENGRAM_LANCE_THRESHOLD: z.coerce.number().int().min(0).default(20_000),
  ENGRAM_MODEL_HUB: z.string().url().default("https://huggingface.co"),
  // bge-m3, the largest embedder we document, keeps 2.3 GB of weights in one ONNX data file.
  ENGRAM_MODEL_MAX_FILE_BYTES: positiveInt.max(Number.MAX_SAFE_INTEGER).default(4 * 1024 ** 3),
  ENGRAM_JOB_CONCURRENCY: positiveInt.optional(),
  ENGRAM_JOB_TYPE_CONCURRENCY: positiveInt.optional(),
  ENGRAM_JOB_MAX_ATTEMPTS: positiveInt.optional(),
  ENGRAM_JOB_POLL_MS: positiveInt.optional(),
  ENGRAM_JOB_BACKOFF_BASE_MS: positiveInt.optional(),
  ENGRAM_JOB_BACKOFF_MAX_MS: positiveInt.optional(),
  ENGRAM_JOB_RETENTION_DAYS: positiveInt.optional(),
  ENGRAM_JOB_MAX_PENDING_PER_TENANT: positiveInt.optional(),
  ENGRAM_SWEEP_INTERVAL_SECS: z.coerce.number().int().min(0).optional(),
  ENGRAM_FSRS_IMPLICIT_WINDOW_SECS: z.coerce.number().int().min(0).default(600),
  ENGRAM_AUTOLINK_ENABLED: boolFlag.default(true),
  ENGRAM_AUTOLINK_MIN_SIMILARITY: z.coerce.number().min(-1).max(1).default(0.5),
  ENGRAM_AUTOLINK_MAX_NEIGHBORS: positiveInt.max(50).default(5),
  ENGRAM_PAGERANK_ENABLED: boolFlag.default(true),
  ENGRAM_PAGERANK_REFRESH_INTERVAL_SECS: positiveInt.default(300),
  ENGRAM_PAGERANK_DIRTY_THRESHOLD: positiveInt.default(100),
  ENGRAM_PAGERANK_MAX_CONCURRENT: positiveInt.max(16).default(1),
  ENGRAM_ENTITY_TIMEOUT_MS: positiveInt.default(DEFAULT_GRAPH_CONFIG.entityTimeoutMs),
  ENGRAM_REVIEW_REQUIRED: boolFlag.default(false),
  ENGRAM_GATE_BLOCKED_PATTERNS: z.string().optional(),
  ENGRAM_GATE_APPROVAL_TOOLS: z.string().optional(),
  ENGRAM_INGEST_MAX_BODY_BYTES: positiveInt.default(DEFAULT_INGEST_MAX_BODY_BYTES),
  ENGRAM_INGEST_URL_TIMEOUT_MS: positiveInt.max(300_000).default(DEFAULT_INGEST_URL_TIMEOUT_MS),
  ENGRAM_MAX_IMPORT_BYTES: positiveInt.default(DEFAULT_MAX_IMPORT_BYTES),
  ENGRAM_MAX_BACKUP_UPLOAD_BYTES: positiveInt.default(DEFAULT_MAX_BACKUP_UPLOAD_BYTES),
  ENGRAM_ALLOW_PRIVATE_URLS: boolFlag.optional(),
  ENGRAM_INTELLIGENCE_JOBS: boolFlag.default(true),
  ENGRAM_LLM_URL: z.string().url().optional(),
  ENGRAM_LLM_API_KEY: z.string().optional(),
  ENGRAM_LLM_MODEL: z.string().min(1).default(DEFAULT_LLM_MODEL),
  ENGRAM_LLM_TIMEOUT_MS: positiveInt.max(600_000).default(DEFAULT_LLM_TIMEOUT_MS),
  ENGRAM_LLM_BG_TIMEOUT_MS: positiveInt.max(3_600_000).default(DEFAULT_LLM_BG_TIMEOUT_MS),
  ENGRAM_LLM_CONCURRENCY: positiveInt.max(64).default(DEFAULT_LLM_CONCURRENCY),
  ENGRAM_LLM_PRICE_IN_PER_MTOK: z.coerce.number().min(0).default(0),
  ENGRAM_LLM_PRICE_OUT_PER_MTOK: z.coerce.number().min(0).default(0),
  ENGRAM_GROUNDING_EXEC: boolFlag.default(false),
});

/** The reference's names for the LLM settings, read when the ENGRAM_ one is unset. */
const ENV_ALIASES: Readonly<Record<string, string>> = {
  ENGRAM_LLM_URL: "LLM_URL",
  ENGRAM_LLM_API_KEY: "LLM_API_KEY",
  ENGRAM_LLM_MODEL: "LLM_MODEL",
};

/** Every variable loadConfig reads, in the order above (for `engram-server --help`). */
export const CONFIG_ENV_VARS: readonly string[] = Object.keys(envSchema.shape);

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "silent";

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  dbPath: string;
  dbSynchronous: "full" | "normal";
  /** Encryption at rest: the mode and its key source (resolved at start by resolveDbKey). */
  encryption: EncryptionConfig;
  bootstrapSecret: string | undefined;
  openAccess: boolean;
  apiKeyPepper: string;
  /** Token buckets: per key (`perMinute`, or the key's own rate_limit) and per user, all its keys together. */
  rateLimit: { enabled: boolean; perMinute: number; perUserPerMinute: number };
  /** Failed authentications one client address may make per minute before it is refused unchecked. */
  authFailuresPerMinute: number;
  /** Live (unrevoked, unexpired) keys one user may hold. */
  maxKeysPerUser: number;
  /** Serve /metrics without a key (for a scraper on a private network); otherwise it needs an admin key. */
  metricsPublic: boolean;
  /** ENGRAM_AUTO_DECOMPOSE: a post-store step splits each new memory of 50 characters or more into facts. */
  autoDecompose: boolean;
  maxBodyBytes: number;
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
  modelsDir: string;
  /** Vector hits below this cosine are not evidence of relevance (measured for USE-lite; see README). */
  vectorMinSimilarity: number;
  /** Exact in-memory scan per tenant, and LanceDB (under <dataDir>/lance) for tenants past the threshold. */
  vectorIndex: VectorIndexConfig;
  /** Hugging Face-compatible hub that `engram-server models pull` downloads from. */
  modelHub: string;
  /** The largest file `models pull` takes, listed or received; a download is stopped past it. */
  modelMaxFileBytes: number;
  /** ONNX file name of a model folder (at its top or in onnx/), for loading and for pulling. */
  embeddingOnnxFile: string;
  /** A memory returned by recall or search gets at most one implicit FSRS review per this many seconds. */
  fsrsImplicitWindowSecs: number;
  /** How search combines its channels: weighted score fusion (default) or reciprocal-rank fusion. */
  fusion: "score" | "rrf";
  /** Scales the vector channel's weight for every question type: raise it for a stronger embedder. */
  vectorWeight: number;
  /** The learned ranker over the fused top 50 (ENGRAM_SEARCH_RANKER=on|off). */
  searchRanker: boolean;
  /** WordNet synonyms as weaker lexical evidence (ENGRAM_SEARCH_SYNONYMS=on|off). */
  searchSynonyms: boolean;
  /** Best cosine below which a query with no word in the store abstains (ENGRAM_SEARCH_ABSTAIN_SIMILARITY). */
  abstainMinSimilarity: number;
  /** The optional cross-encoder; null when switched off. Its folder may still lack a model. */
  reranker: { dir: string; onnxFile: string; topK: number } | null;
  /** null when embeddings are switched off (ENGRAM_EMBEDDING_PROVIDER=none). */
  embedder: EmbedderConfig | null;
  /** Worker threads that run the embedder, each with its own copy of the model. */
  embeddingThreads: number;
  /** Recent search queries whose vectors are kept, per model (least recently used dropped first); 0 keeps none. */
  queryEmbedCache: number;
  /** Whether stores enqueue the post_store job (facts, contradictions, signals...); off: plain memory. */
  intelligenceJobs: boolean;
  /** The optional OpenAI-compatible LLM; null: every feature runs rules-only. */
  llm: LlmConfig | null;
  jobs: JobsConfig;
  /** Auto-linking, and the scheduled PageRank and community refresh. */
  graph: GraphConfig;
  /** The review inbox and the gate (contracts/intelligence.md §1). */
  guardrails: GuardrailsConfig;
  /** POST /grounding/execute runs tools (shell commands) on this host for admin keys (ENGRAM_GROUNDING_EXEC=1). */
  groundingExec: boolean;
  /** /ingest*: body limit of those routes (others keep maxBodyBytes), and the time a fetched URL may take. */
  ingest: { maxBodyBytes: number; urlTimeoutMs: number };
  /** Body limits of /import* (ENGRAM_MAX_IMPORT_BYTES) and POST /backup/verify (ENGRAM_MAX_BACKUP_UPLOAD_BYTES). */
  portability: { maxImportBytes: number; maxBackupUploadBytes: number };
  /**
   * Server-side fetches (ingested URLs) may reach loopback and private addresses. Defaults to
   * true on a loopback-bound server, whose callers are local and reach those addresses anyway.
   */
  allowPrivateUrls: boolean;
}

/**
 * One core stays with the event loop (HTTP, SQLite, search); the others embed. At least one
 * worker even on a single core: the model must never run on the event loop.
 */
export const DEFAULT_EMBEDDING_THREADS = Math.max(1, os.availableParallelism() - 1);

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * An IP literal in a loopback range: 127.0.0.0/8, ::1, or IPv4-mapped ::ffff:127.x.x.x.
 * Names are not addresses: "127.attacker.example" is a name like any other.
 */
export function isLoopbackAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, "");
  if (isIP(a) === 4) return a.split(".")[0] === "127";
  if (isIP(a) !== 6) return false;
  // The URL parser writes an IPv6 address in one canonical form (::ffff:127.0.0.1 → ::ffff:7f00:1).
  const canonical = new URL(`http://[${a}]`).hostname.slice(1, -1);
  return canonical === "::1" || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(canonical);
}

/** A Host name that can only mean this machine: `localhost` or a loopback IP literal. */
export function isLoopbackHost(host: string): boolean {
  return host.toLowerCase() === "localhost" || isLoopbackAddress(host);
}

/** Key material the server must not pass on to the processes it starts: deleted from `env` once read. */
const SECRET_ENV_VARS = ["ENGRAM_DB_KEY", "ENGRAM_KEYFILE"] as const;

/**
 * Reads and validates configuration; throws ConfigError naming the offending variable.
 * Deletes the key variables (SECRET_ENV_VARS) from `env` after reading them.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const alias = ENV_ALIASES[key];
    const value = env[key] || (alias ? env[alias] : undefined);
    if (value !== undefined && value !== "") raw[key] = value.trim();
  }
  for (const key of SECRET_ENV_VARS) delete env[key];
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    throw new ConfigError(`invalid ${name}=${JSON.stringify(raw[name] ?? "")}: ${issue.message}`);
  }
  const e = parsed.data;
  let logLevel: LogLevel;
  try {
    logLevel = parseLogLevel(e.ENGRAM_LOG_LEVEL);
  } catch (err) {
    throw new ConfigError(`invalid ENGRAM_LOG_LEVEL=${JSON.stringify(e.ENGRAM_LOG_LEVEL)}: ${(err as Error).message}`);
  }
  // An IP literal is checked here; a name is resolved by the server at start-up (config stays pure).
  if (e.ENGRAM_OPEN_ACCESS && isIP(e.ENGRAM_HOST) !== 0 && !isLoopbackAddress(e.ENGRAM_HOST)) {
    throw new ConfigError(
      `invalid ENGRAM_OPEN_ACCESS=1 with ENGRAM_HOST=${e.ENGRAM_HOST}: open access is only allowed on a loopback address`,
    );
  }
  const dataDir = path.resolve(e.ENGRAM_DATA_DIR);
  const modelsDir = path.resolve(e.ENGRAM_MODELS_DIR);
  return {
    host: e.ENGRAM_HOST,
    port: e.ENGRAM_PORT,
    dataDir,
    dbPath: e.ENGRAM_DB_PATH ? path.resolve(e.ENGRAM_DB_PATH) : path.join(dataDir, "engram.db"),
    dbSynchronous: e.ENGRAM_DB_SYNCHRONOUS,
    encryption: encryptionConfig(e, env),
    bootstrapSecret: e.ENGRAM_BOOTSTRAP_SECRET,
    openAccess: e.ENGRAM_OPEN_ACCESS,
    apiKeyPepper: e.ENGRAM_API_KEY_PEPPER ?? "",
    rateLimit: {
      enabled: e.ENGRAM_RATE_LIMIT_ENABLED,
      perMinute: e.ENGRAM_RATE_LIMIT_PER_MINUTE,
      perUserPerMinute: e.ENGRAM_RATE_LIMIT_PER_USER_PER_MINUTE,
    },
    authFailuresPerMinute: e.ENGRAM_AUTH_FAILURES_PER_MINUTE,
    maxKeysPerUser: e.ENGRAM_MAX_KEYS_PER_USER,
    metricsPublic: e.ENGRAM_METRICS_PUBLIC,
    autoDecompose: e.ENGRAM_AUTO_DECOMPOSE,
    groundingExec: e.ENGRAM_GROUNDING_EXEC,
    maxBodyBytes: e.ENGRAM_MAX_BODY_BYTES,
    logLevel,
    shutdownTimeoutMs: e.ENGRAM_SHUTDOWN_TIMEOUT_MS,
    modelsDir,
    vectorMinSimilarity: e.ENGRAM_VECTOR_MIN_SIMILARITY,
    vectorIndex: {
      useLance: e.ENGRAM_USE_LANCE_INDEX ?? e.ENGRAM_ENCRYPTION_MODE === "none",
      lanceThreshold: e.ENGRAM_LANCE_THRESHOLD,
      lanceDir: path.join(dataDir, "lance"),
    },
    modelHub: e.ENGRAM_MODEL_HUB.replace(/\/+$/, ""),
    modelMaxFileBytes: e.ENGRAM_MODEL_MAX_FILE_BYTES,
    embeddingOnnxFile: e.ENGRAM_EMBEDDING_ONNX_FILE,
    fsrsImplicitWindowSecs: e.ENGRAM_FSRS_IMPLICIT_WINDOW_SECS,
    fusion: e.ENGRAM_FUSION,
    vectorWeight: e.ENGRAM_VECTOR_WEIGHT,
    searchRanker: e.ENGRAM_SEARCH_RANKER === "on",
    searchSynonyms: e.ENGRAM_SEARCH_SYNONYMS === "on",
    abstainMinSimilarity: e.ENGRAM_SEARCH_ABSTAIN_SIMILARITY,
    reranker: e.ENGRAM_RERANKER_ENABLED
      ? {
          dir: e.ENGRAM_RERANKER_MODEL_DIR ? path.resolve(e.ENGRAM_RERANKER_MODEL_DIR) : path.join(modelsDir, "reranker"),
          onnxFile: e.ENGRAM_RERANKER_ONNX_FILE,
          topK: e.ENGRAM_RERANKER_TOP_K,
        }
      : null,
    embedder: embedderConfig(e, modelsDir),
    embeddingThreads: e.ENGRAM_EMBEDDING_THREADS ?? DEFAULT_EMBEDDING_THREADS,
    queryEmbedCache: e.ENGRAM_QUERY_EMBED_CACHE,
    intelligenceJobs: e.ENGRAM_INTELLIGENCE_JOBS,
    llm: e.ENGRAM_LLM_URL
      ? {
          url: e.ENGRAM_LLM_URL,
          apiKey: e.ENGRAM_LLM_API_KEY,
          model: e.ENGRAM_LLM_MODEL,
          timeoutMs: e.ENGRAM_LLM_TIMEOUT_MS,
          backgroundTimeoutMs: e.ENGRAM_LLM_BG_TIMEOUT_MS,
          concurrency: e.ENGRAM_LLM_CONCURRENCY,
          pricePerMillionIn: e.ENGRAM_LLM_PRICE_IN_PER_MTOK,
          pricePerMillionOut: e.ENGRAM_LLM_PRICE_OUT_PER_MTOK,
        }
      : null,
    jobs: jobsConfig(e),
    graph: {
      autoLinkEnabled: e.ENGRAM_AUTOLINK_ENABLED,
      autoLinkMinSimilarity: e.ENGRAM_AUTOLINK_MIN_SIMILARITY,
      autoLinkMinLexical: DEFAULT_GRAPH_CONFIG.autoLinkMinLexical,
      autoLinkMaxNeighbors: e.ENGRAM_AUTOLINK_MAX_NEIGHBORS,
      pagerankEnabled: e.ENGRAM_PAGERANK_ENABLED,
      refreshIntervalMs: e.ENGRAM_PAGERANK_REFRESH_INTERVAL_SECS * 1000,
      dirtyThreshold: e.ENGRAM_PAGERANK_DIRTY_THRESHOLD,
      maxConcurrent: e.ENGRAM_PAGERANK_MAX_CONCURRENT,
      entityTimeoutMs: e.ENGRAM_ENTITY_TIMEOUT_MS,
    },
    guardrails: {
      reviewRequired: e.ENGRAM_REVIEW_REQUIRED,
      gateBlockedPatterns: commaList(e.ENGRAM_GATE_BLOCKED_PATTERNS),
      gateApprovalTools: commaList(e.ENGRAM_GATE_APPROVAL_TOOLS),
    },
    ingest: { maxBodyBytes: e.ENGRAM_INGEST_MAX_BODY_BYTES, urlTimeoutMs: e.ENGRAM_INGEST_URL_TIMEOUT_MS },
    portability: { maxImportBytes: e.ENGRAM_MAX_IMPORT_BYTES, maxBackupUploadBytes: e.ENGRAM_MAX_BACKUP_UPLOAD_BYTES },
    allowPrivateUrls: e.ENGRAM_ALLOW_PRIVATE_URLS ?? isLoopbackHost(e.ENGRAM_HOST),
  };
}

/** The key file defaults to $XDG_CONFIG_HOME/engram/dbkey, ~/.config/engram/dbkey without it. */
function encryptionConfig(e: z.output<typeof envSchema>, env: Record<string, string | undefined>): EncryptionConfig {
  switch (e.ENGRAM_ENCRYPTION_MODE) {
    case "none":
    case "yubikey":
      return { mode: e.ENGRAM_ENCRYPTION_MODE };
    case "env":
      return { mode: "env", key: e.ENGRAM_DB_KEY };
    case "keyfile": {
      const configHome = env.XDG_CONFIG_HOME || path.join(os.homedir(), ".config");
      return { mode: "keyfile", keyfile: path.resolve(e.ENGRAM_KEYFILE ?? path.join(configHome, "engram", "dbkey")) };
    }
  }
}

/** "a, b,,c" → ["a", "b", "c"]. */
const commaList = (v: string | undefined): string[] => (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);

/** Unset job variables keep the defaults core uses when no config is given. */
function jobsConfig(e: z.output<typeof envSchema>): JobsConfig {
  const d = DEFAULT_JOBS_CONFIG;
  const cfg: JobsConfig = {
    concurrency: e.ENGRAM_JOB_CONCURRENCY ?? d.concurrency,
    typeConcurrency: e.ENGRAM_JOB_TYPE_CONCURRENCY ?? d.typeConcurrency,
    maxAttempts: e.ENGRAM_JOB_MAX_ATTEMPTS ?? d.maxAttempts,
    pollMs: e.ENGRAM_JOB_POLL_MS ?? d.pollMs,
    backoffBaseMs: e.ENGRAM_JOB_BACKOFF_BASE_MS ?? d.backoffBaseMs,
    backoffMaxMs: e.ENGRAM_JOB_BACKOFF_MAX_MS ?? d.backoffMaxMs,
    sweepIntervalMs: e.ENGRAM_SWEEP_INTERVAL_SECS !== undefined ? e.ENGRAM_SWEEP_INTERVAL_SECS * 1000 : d.sweepIntervalMs,
    retentionMs: e.ENGRAM_JOB_RETENTION_DAYS !== undefined ? e.ENGRAM_JOB_RETENTION_DAYS * 86_400_000 : d.retentionMs,
    maxPendingPerTenant: e.ENGRAM_JOB_MAX_PENDING_PER_TENANT ?? d.maxPendingPerTenant,
  };
  if (cfg.backoffMaxMs < cfg.backoffBaseMs) {
    throw new ConfigError(`invalid ENGRAM_JOB_BACKOFF_MAX_MS=${cfg.backoffMaxMs}: must be at least ENGRAM_JOB_BACKOFF_BASE_MS (${cfg.backoffBaseMs})`);
  }
  return cfg;
}

/**
 * Which embedder runs. "auto": an endpoint URL means the OpenAI-compatible client, a model
 * folder (or a pulled model id under the models folder) means ONNX, otherwise the bundled
 * USE-lite model.
 */
function embedderConfig(e: z.output<typeof envSchema>, modelsDir: string): EmbedderConfig | null {
  const dir = e.ENGRAM_EMBEDDING_MODEL_DIR
    ? path.resolve(e.ENGRAM_EMBEDDING_MODEL_DIR)
    : e.ENGRAM_EMBEDDING_MODEL && !e.ENGRAM_EMBEDDING_URL
      ? path.join(modelsDir, e.ENGRAM_EMBEDDING_MODEL)
      : undefined;
  let kind = e.ENGRAM_EMBEDDING_PROVIDER;
  if (kind === "auto") kind = e.ENGRAM_EMBEDDING_URL ? "openai" : dir ? "onnx" : "use-lite";
  switch (kind) {
    case "none":
      return null;
    case "use-lite":
      if (e.ENGRAM_EMBEDDING_MAX_SEQ !== undefined && e.ENGRAM_EMBEDDING_MAX_SEQ > USE_LITE_MAX_SEQ) {
        throw new ConfigError(
          `invalid ENGRAM_EMBEDDING_MAX_SEQ=${e.ENGRAM_EMBEDDING_MAX_SEQ}: USE-lite reads at most ${USE_LITE_MAX_SEQ} tokens per input`,
        );
      }
      return { kind: "use-lite", maxSeq: e.ENGRAM_EMBEDDING_MAX_SEQ ?? USE_LITE_MAX_SEQ, maxWindows: e.ENGRAM_EMBEDDING_MAX_WINDOWS };
    case "onnx":
      if (!dir) throw new ConfigError("invalid ENGRAM_EMBEDDING_PROVIDER=onnx: set ENGRAM_EMBEDDING_MODEL_DIR or ENGRAM_EMBEDDING_MODEL");
      return {
        kind: "onnx",
        dir,
        onnxFile: e.ENGRAM_EMBEDDING_ONNX_FILE,
        maxSeq: e.ENGRAM_EMBEDDING_MAX_SEQ ?? DEFAULT_ONNX_MAX_SEQ,
        maxWindows: e.ENGRAM_EMBEDDING_MAX_WINDOWS,
        pooling: e.ENGRAM_EMBEDDING_POOLING,
      };
    case "openai":
      if (!e.ENGRAM_EMBEDDING_URL || !e.ENGRAM_EMBEDDING_MODEL) {
        throw new ConfigError("invalid ENGRAM_EMBEDDING_PROVIDER=openai: set ENGRAM_EMBEDDING_URL and ENGRAM_EMBEDDING_MODEL");
      }
      return { kind: "openai", url: e.ENGRAM_EMBEDDING_URL, key: e.ENGRAM_EMBEDDING_KEY, model: e.ENGRAM_EMBEDDING_MODEL };
  }
}
