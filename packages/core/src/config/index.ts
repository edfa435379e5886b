import path from "node:path";
import { z } from "zod";
import { parseLogLevel } from "./log-level.js";
import type { EmbedderConfig } from "../embed/factory.js";

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
  /** null when embeddings are switched off (ENGRAM_EMBEDDING_PROVIDER=none). */
  embedder: EmbedderConfig | null;
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
    embedder: embedderConfig(e, modelsDir),
  };
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
