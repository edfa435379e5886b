import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";

export interface SidecarOptions {
  sessionId: string;
  watch?: string | undefined;
  port: number;
  server: string;
  key?: string | undefined;
  stateDir: string;
  /** Made owner-only at start: the state dir, and `~/.engram/sidecar` above it in the default layout. */
  privateDirs: string[];
  cacheTtl: number;
}

const DEFAULT_URL = "http://127.0.0.1:4200";

export const { version: VERSION } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

const ENVIRONMENT = `
Environment:
  ENGRAM_URL      engram-server base URL, when --server is not given
  ENGRAM_API_KEY  API key, when --key is not given`;

/** Session ids become a directory name, so only characters that are safe in one. */
function sessionId(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(value)) {
    throw new InvalidArgumentError("must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit");
  }
  return value;
}

function integer(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** Parses the command line (flags, then ENGRAM_URL / ENGRAM_API_KEY); usage errors exit here with commander's message. */
export function parseOptions(argv: string[]): SidecarOptions {
  const program = new Command("engram-sidecar")
    .description("session-scoped proxy to engram-server: read cache, durable write buffer, transcript watcher")
    .version(VERSION)
    .addHelpText("after", ENVIRONMENT)
    .configureOutput({ outputError: (str, write) => write(`${str.trim().replace(/\s*\n\s*/g, " ")}\n`) })
    .requiredOption("--session-id <id>", "the agent session this sidecar serves", sessionId)
    .option("--watch <dir>", "follow Claude Code transcript files (*.jsonl) under this directory and store what they teach")
    .option("--port <n>", "port on 127.0.0.1 (0: any free port; the bound one is logged)", integer(0, 65535), 0)
    .addOption(new Option("--server <url>", "engram-server base URL").env("ENGRAM_URL").default(DEFAULT_URL))
    .addOption(new Option("--key <key>", "API key").env("ENGRAM_API_KEY"))
    .option("--state-dir <dir>", "owner-only folder for the write buffer, watcher offsets and sidecar.json, which holds the URL and token callers need (default: ~/.engram/sidecar/<session-id>)")
    .option("--cache-ttl <secs>", "how long a cached search/recall/context answer stays fresh (0: no cache)", integer(0, 86_400), 60)
    .parse(argv);
  const o = program.opts<Omit<SidecarOptions, "stateDir" | "privateDirs"> & { stateDir?: string }>();
  const root = path.join(os.homedir(), ".engram", "sidecar");
  const stateDir = path.resolve(o.stateDir ?? path.join(root, o.sessionId));
  return {
    ...o,
    // An empty ENGRAM_API_KEY means "no key", as in engram-cli.
    key: o.key || undefined,
    stateDir,
    privateDirs: o.stateDir === undefined ? [root, stateDir] : [stateDir],
    watch: o.watch === undefined ? undefined : path.resolve(o.watch),
  };
}
