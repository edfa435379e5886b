import path from "node:path";
import { z } from "zod";
import { parseLogLevel } from "./log-level.js";
import type { EmbedderConfig } from "../embed/factory.js";
import type { VectorIndexConfig } from "../vector/vector-store.js";
import { DEFAULT_JOBS_CONFIG, type JobsConfig } from "../jobs/config.js";
import { DEFAULT_GRAPH_CONFIG, type GraphConfig } from "../graph/config.js";

/**
 * The one place in core that reads the environment. Everything else receives a
 * validated `Config`, so tests and embedders can build one without touching process.env.
 */
const boolFlag = z
  .enum(["1", "0", "true", "false", "yes", "no", "on", "off"])
  .transform((v) => ["1", "true", "yes", "on"].includes(v));

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

const envSchema = z.object({
  ENGRAM_HOST: z.string().min(1).default("127.0.0.1"),
  ENGRAM_PORT: port.default(4200),
  ENGRAM_DATA_DIR: z.string().min(1).default("./data"),
  ENGRAM_DB_PATH: z.string().min(1).optional(),
  ENGRAM_DB_SYNCHRONOUS: z.enum(["full", "normal"]).default("full"),
  ENGRAM_BOOTSTRAP_SECRET: z.string().min(1).optional(),
  ENGRAM_OPEN_ACCESS: boolFlag.default(false),
  ENGRAM_API_KEY_PEPPER: z.string().optional(),
  ENGRAM_RATE_LIMIT_ENABLED: boolFlag.default(true),
  ENGRAM_RATE_LIMIT_PER_MINUTE: positiveInt.default(600),
  ENGRAM_MAX_BODY_BYTES: positiveInt.default(1024 * 1024),
  ENGRAM_LOG_LEVEL: z.string().default("info"),
  ENGRAM_SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
  ENGRAM_EMBEDDING_PROVIDER: z.enum(["auto", "use-lite", "onnx", "openai", "none"]).default("auto"),
  ENGRAM_MODELS_DIR: z.string().min(1).default("./models"),
  ENGRAM_EMBEDDING_MODEL: z.string().min(1).optional(),
  ENGRAM_EMBEDDING_MODEL_DIR: z.string().min(1).optional(),
  ENGRAM_EMBEDDING_ONNX_FILE: z.string().min(1).default("model_quantized.onnx"),
  ENGRAM_EMBEDDING_MAX_SEQ: positiveInt.default(256),
  ENGRAM_EMBEDDING_POOLING: z.enum(["cls", "mean"]).optional(),
  ENGRAM_EMBEDDING_URL: z.string().url().optional(),
  ENGRAM_EMBEDDING_KEY: z.string().optional(),
  ENGRAM_VECTOR_MIN_SIMILARITY: z.coerce.number().min(-1).max(1).default(0.2),
  ENGRAM_FUSION: z.enum(["score", "rrf"]).default("score"),
  ENGRAM_VECTOR_WEIGHT: z.coerce.number().min(0).max(10).default(1),
  ENGRAM_RERANKER_ENABLED: boolFlag.default(true),
  ENGRAM_RERANKER_MODEL_DIR: z.string().min(1).optional(),
  ENGRAM_RERANKER_ONNX_FILE: z.string().min(1).default("model_quantized.onnx"),
  ENGRAM_RERANKER_TOP_K: positiveInt.max(100).default(12),
  ENGRAM_USE_LANCE_INDEX: boolFlag.default(true),
  ENGRAM_LANCE_THRESHOLD: z.coerce.number().int().min(0).default(20_000),
  ENGRAM_MODEL_HUB: z.string().url().default("https://huggingface.co"),
  ENGRAM_JOB_CONCURRENCY: positiveInt.optional(),
  ENGRAM_JOB_TYPE_CONCURRENCY: positiveInt.optional(),
  ENGRAM_JOB_MAX_ATTEMPTS: positiveInt.optional(),
  ENGRAM_JOB_POLL_MS: positiveInt.optional(),
  ENGRAM_JOB_BACKOFF_BASE_MS: positiveInt.optional(),
  ENGRAM_JOB_BACKOFF_MAX_MS: positiveInt.optional(),
  ENGRAM_JOB_RETENTION_DAYS: positiveInt.optional(),
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
});

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "silent";

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  dbPath: string;
  dbSynchronous: "full" | "normal";
  bootstrapSecret: string | undefined;
  openAccess: boolean;
  apiKeyPepper: string;
  rateLimit: { enabled: boolean; perMinute: number };
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
  /** ONNX file name of a model folder (at its top or in onnx/), for loading and for pulling. */
  embeddingOnnxFile: string;
  /** A memory returned by recall or search gets at most one implicit FSRS review per this many seconds. */
  fsrsImplicitWindowSecs: number;
  /** How search combines its channels: weighted score fusion (default) or reciprocal-rank fusion. */
  fusion: "score" | "rrf";
  /** Scales the vector channel's weight for every question type: raise it for a stronger embedder. */
  vectorWeight: number;
  /** The optional cross-encoder; null when switched off. Its folder may still lack a model. */
  reranker: { dir: string; onnxFile: string; topK: number } | null;
  /** null when embeddings are switched off (ENGRAM_EMBEDDING_PROVIDER=none). */
  embedder: EmbedderConfig | null;
  jobs: JobsConfig;
  /** Auto-linking, and the scheduled PageRank and community refresh. */
  graph: GraphConfig;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1"]);
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || host.startsWith("127.");
}

/** Reads and validates configuration; throws ConfigError naming the offending variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") raw[key] = value.trim();
  }
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
  if (e.ENGRAM_OPEN_ACCESS && !isLoopbackHost(e.ENGRAM_HOST)) {
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
    bootstrapSecret: e.ENGRAM_BOOTSTRAP_SECRET,
    openAccess: e.ENGRAM_OPEN_ACCESS,
    apiKeyPepper: e.ENGRAM_API_KEY_PEPPER ?? "",
    rateLimit: { enabled: e.ENGRAM_RATE_LIMIT_ENABLED, perMinute: e.ENGRAM_RATE_LIMIT_PER_MINUTE },
    maxBodyBytes: e.ENGRAM_MAX_BODY_BYTES,
    logLevel,
    shutdownTimeoutMs: e.ENGRAM_SHUTDOWN_TIMEOUT_MS,
    modelsDir,
    vectorMinSimilarity: e.ENGRAM_VECTOR_MIN_SIMILARITY,
    vectorIndex: { useLance: e.ENGRAM_USE_LANCE_INDEX, lanceThreshold: e.ENGRAM_LANCE_THRESHOLD, lanceDir: path.join(dataDir, "lance") },
    modelHub: e.ENGRAM_MODEL_HUB.replace(/\/+$/, ""),
    embeddingOnnxFile: e.ENGRAM_EMBEDDING_ONNX_FILE,
    fsrsImplicitWindowSecs: e.ENGRAM_FSRS_IMPLICIT_WINDOW_SECS,
    fusion: e.ENGRAM_FUSION,
    vectorWeight: e.ENGRAM_VECTOR_WEIGHT,
    reranker: e.ENGRAM_RERANKER_ENABLED
      ? {
          dir: e.ENGRAM_RERANKER_MODEL_DIR ? path.resolve(e.ENGRAM_RERANKER_MODEL_DIR) : path.join(modelsDir, "reranker"),
          onnxFile: e.ENGRAM_RERANKER_ONNX_FILE,
          topK: e.ENGRAM_RERANKER_TOP_K,
        }
      : null,
    embedder: embedderConfig(e, modelsDir),
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
  };
}

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
      return { kind: "use-lite" };
    case "onnx":
      if (!dir) throw new ConfigError("invalid ENGRAM_EMBEDDING_PROVIDER=onnx: set ENGRAM_EMBEDDING_MODEL_DIR or ENGRAM_EMBEDDING_MODEL");
      return { kind: "onnx", dir, onnxFile: e.ENGRAM_EMBEDDING_ONNX_FILE, maxSeq: e.ENGRAM_EMBEDDING_MAX_SEQ, pooling: e.ENGRAM_EMBEDDING_POOLING };
    case "openai":
      if (!e.ENGRAM_EMBEDDING_URL || !e.ENGRAM_EMBEDDING_MODEL) {
        throw new ConfigError("invalid ENGRAM_EMBEDDING_PROVIDER=openai: set ENGRAM_EMBEDDING_URL and ENGRAM_EMBEDDING_MODEL");
      }
      return { kind: "openai", url: e.ENGRAM_EMBEDDING_URL, key: e.ENGRAM_EMBEDDING_KEY, model: e.ENGRAM_EMBEDDING_MODEL };
  }
}
