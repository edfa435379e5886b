import { isIP } from "node:net";
import { parseArgs } from "node:util";

export const DEFAULT_ENGRAM_URL = "http://127.0.0.1:4200";
export const DEFAULT_HTTP_HOST = "127.0.0.1";
export const DEFAULT_HTTP_PORT = 4210;

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
  ENGRAM_API_KEY             API key, when ENGRAM_MCP_BEARER_TOKEN is not set`;

export type McpConfig =
  | { mode: "help" }
  | { mode: "version" }
  | { mode: "stdio"; engramUrl: string; apiKey: string | undefined }
  | { mode: "http"; engramUrl: string; apiKey: string | undefined; host: string; port: number };

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
  if (!values.http) {
    if (values.port !== undefined || values.host !== undefined) throw new UsageError("--port and --host only apply with --http");
    return { mode: "stdio", engramUrl, apiKey };
  }
  return { mode: "http", engramUrl, apiKey, host: parseHost(values.host), port: parsePort(values.port) };
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

/**
 * Loopback binds are reachable only from this machine; anything else can be reached by the
 * network, which changes what the HTTP mode is willing to do (see http.ts).
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1";
  return false;
}
