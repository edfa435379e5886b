import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { CONFIG_ENV_VARS } from "@engram/core";
import { describe, expect, it } from "vitest";

/**
 * Every executable the apps ship (each app's package.json "bin") answers --help and --version
 * with exit 0: the help names its commands or flags and every environment variable it reads.
 * A new bin fails here until its variables are listed below.
 */

const ROOT = path.resolve(import.meta.dirname, "..");
const run = promisify(execFile);

const ENV_READ: Record<string, readonly string[]> = {
  "engram-server": [...CONFIG_ENV_VARS, "ENGRAM_LOG_FORMAT"],
  "engram-cli": ["ENGRAM_URL", "ENGRAM_API_KEY"],
  "engram-mcp": [
    "ENGRAM_URL",
    "ENGRAM_MCP_BEARER_TOKEN",
    "ENGRAM_API_KEY",
    "ENGRAM_MCP_TOOLSETS",
    "ENGRAM_MCP_MAX_SESSIONS",
    "ENGRAM_MCP_MAX_SESSIONS_PER_KEY",
    "ENGRAM_MCP_UNUSED_SESSION_IDLE_SECS",
  ],
  "engram-sidecar": ["ENGRAM_URL", "ENGRAM_API_KEY"],
};

/** What each help must show as its commands or main flags. */
const COMMANDS: Record<string, readonly string[]> = {
  "engram-server": ["models pull", "models list", "--version"],
  "engram-cli": ["store", "search", "jobs", "--version"],
  "engram-mcp": ["--http", "--port", "--version"],
  "engram-sidecar": ["--session-id", "--watch", "--version"],
};

const bins = fs
  .readdirSync(path.join(ROOT, "apps"))
  .map((app) => path.join(ROOT, "apps", app, "package.json"))
  .filter((p) => fs.existsSync(p))
  .flatMap((p) => {
    const pkg = JSON.parse(fs.readFileSync(p, "utf8")) as { version: string; bin?: Record<string, string> };
    return Object.entries(pkg.bin ?? {}).map(([name, file]) => ({ name, file: path.resolve(path.dirname(p), file), version: pkg.version }));
  });

// No ENGRAM_* from the caller's shell: the help must not depend on the environment.
const cleanEnv = { PATH: process.env.PATH ?? "" };

describe.each(bins)("$name", ({ name, file, version }) => {
  it("--help exits 0 and lists its commands and environment variables", { timeout: 30_000 }, async () => {
    const { stdout } = await run(process.execPath, [file, "--help"], { env: cleanEnv });
    expect(ENV_READ[name], `list the variables ${name} reads in ENV_READ`).toBeDefined();
    for (const text of [...COMMANDS[name]!, ...ENV_READ[name]!]) expect(stdout).toContain(text);
  });

  it("--version exits 0 and prints the package version", { timeout: 30_000 }, async () => {
    const { stdout } = await run(process.execPath, [file, "--version"], { env: cleanEnv });
    expect(stdout.trim()).toBe(version);
  });
});
