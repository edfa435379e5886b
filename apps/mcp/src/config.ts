import { parseArgs } from "node:util";
import type { SessionLimits } from "./sessions.js";
import { DEFAULT_TOOLSETS, parseToolsets, TOOLSETS, type Toolset } from "./toolsets.js";

export const DEFAULT_ENGRAM_URL = "http://127.0.0.1:4200";
export const DEFAULT_HTTP_HOST = "127.0.0.1";
export const DEFAULT_HTTP_PORT = 4210;
/** About 64 MB of sessions at ~250 KB each (the review measured 5,000 at 1.2 GB). */
export const DEFAULT_MAX_SESSIONS = 256;
/** One user's agents, editors and restarts within the hour a used session is kept. */
export const DEFAULT_MAX_SESSIONS_PER_KEY = 32;
/** A client calls its first tool within moments of initializing; one that has not in 2 minutes reconnects on its 404 if it comes back. */
export const DEFAULT_UNUSED_SESSION_IDLE_SECS = 120;
/** Sessions that called a tool are kept this long after their last request. */
const SESSION_IDLE_MS = 60 * 60_000;

export const USAGE = `usage: engram-mcp [--http [--port N] [--host ADDR]]

An MCP server that gives AI clients engram's memory tools.
  (no flags)     serve MCP over stdio, for clients that spawn the server
  --http         serve MCP over streamable HTTP at http://HOST:PORT/mcp
  --port N       HTTP port (default ${DEFAULT_HTTP_PORT}; 0 picks a free one)
  --host ADDR    HTTP bind address (default ${DEFAULT_HTTP_HOST}: this machine only)
  --help         show this help
  --version      print the version

environment:
  ENGRAM_URL                 engram-server base URL (default ${DEFAULT_ENGRAM_URL})
  ENGRAM_MCP_BEARER_TOKEN    API key sent to engram-server (falls back to ENGRAM_API_KEY)
  ENGRAM_API_KEY             API key, when ENGRAM_MCP_BEARER_TOKEN is not set
  ENGRAM_MCP_TOOLSETS        comma-separated toolsets whose tools are listed (default ${DEFAULT_TOOLSETS.join(",")}):
                             ${TOOLSETS.join(", ")}, or all
  ENGRAM_MCP_MAX_SESSIONS              HTTP sessions open at once (default ${DEFAULT_MAX_SESSIONS})
  ENGRAM_MCP_MAX_SESSIONS_PER_KEY      HTTP sessions open at once with one key (default ${DEFAULT_MAX_SESSIONS_PER_KEY})
  ENGRAM_MCP_UNUSED_SESSION_IDLE_SECS  an HTTP session that never called a tool is closed
                                       after this many idle seconds (default ${DEFAULT_UNUSED_SESSION_IDLE_SECS}; others after an hour)`;

export type McpConfig =
  | { mode: "help" }
  | { mode: "version" }
  | { mode: "stdio"; engramUrl: string; apiKey: string | undefined; toolsets: ReadonlySet<Toolset> }
  | { mode: "http"; engramUrl: string; apiKey: string | undefined; toolsets: ReadonlySet<Toolset>; host: string; port: number; sessions: SessionLimits };

/** A bad flag or value: main prints the message and the usage and exits 2, as command-line tools do. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Reads flags and environment once, at start-up, so nothing below main touches process.env or argv. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): McpConfig {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values } = parsed;
  if (values.help) return { mode: "help" };
  if (values.version) return { mode: "version" };

  const engramUrl = env.ENGRAM_URL || DEFAULT_ENGRAM_URL;
  // An empty variable means "not set", so an MCP client config can blank the preferred one out.
  const apiKey = env.ENGRAM_MCP_BEARER_TOKEN || env.ENGRAM_API_KEY || undefined;
  let toolsets: ReadonlySet<Toolset>;
  try {
    toolsets = parseToolsets(env.ENGRAM_MCP_TOOLSETS);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (!values.http) {
    if (values.port !== undefined || values.host !== undefined) throw new UsageError("--port and --host only apply with --http");
    return { mode: "stdio", engramUrl, apiKey, toolsets };
  }
  return { mode: "http", engramUrl, apiKey, toolsets, host: parseHost(values.host), port: parsePort(values.port), sessions: sessionLimits(env) };
}

function sessionLimits(env: NodeJS.ProcessEnv): SessionLimits {
  return {
    maxSessions: envInteger(env, "ENGRAM_MCP_MAX_SESSIONS", DEFAULT_MAX_SESSIONS, 1, 100_000),
    maxSessionsPerKey: envInteger(env, "ENGRAM_MCP_MAX_SESSIONS_PER_KEY", DEFAULT_MAX_SESSIONS_PER_KEY, 1, 100_000),
    unusedIdleMs: envInteger(env, "ENGRAM_MCP_UNUSED_SESSION_IDLE_SECS", DEFAULT_UNUSED_SESSION_IDLE_SECS, 1, 86_400) * 1000,
    idleMs: SESSION_IDLE_MS,
  };
}

/** An unset or empty variable is the default; anything else must be an integer in range. */
function envInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

function parseFlags(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      http: { type: "boolean" },
      port: { type: "string" },
      host: { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean" },
    },
    strict: true,
    allowPositionals: false,
  });
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return DEFAULT_HTTP_PORT;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n > 65_535) throw new UsageError(`--port must be an integer from 0 to 65535, got "${value}"`);
  return n;
}

function parseHost(value: string | undefined): string {
  if (value === undefined) return DEFAULT_HTTP_HOST;
  const host = value.trim();
  if (!host) throw new UsageError("--host must not be empty");
  return host;
}
