import { spawn, type ChildProcess, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { SERVER_BIN, startServer, tempDir, type RunningServer } from "../../../test/support/server.js";

/**
 * What the server's stdout looks like: JSON lines on a pipe (the default for services and log
 * shippers), readable lines when ENGRAM_LOG_FORMAT=pretty (or a terminal) asks for them.
 */

const running: RunningServer[] = [];
/** Spawned here directly; killed after each test even when one fails or times out waiting on it. */
const spawned: ChildProcess[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
  for (const p of spawned.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
});

function spawnServer(extra: Record<string, string>): ChildProcessByStdio<null, Readable, Readable> {
  const proc = spawn(process.execPath, [SERVER_BIN], { env: env(extra), stdio: ["ignore", "pipe", "pipe"] });
  spawned.push(proc);
  return proc;
}

const env = (extra: Record<string, string>) => ({
  PATH: process.env.PATH ?? "",
  ENGRAM_HOST: "127.0.0.1",
  ENGRAM_PORT: "0",
  ENGRAM_DATA_DIR: tempDir(),
  ENGRAM_EMBEDDING_PROVIDER: "none",
  ...extra,
});

const isJsonObject = (line: string) => {
  try {
    return typeof JSON.parse(line) === "object";
  } catch {
    return false;
  }
};

describe("ENGRAM_LOG_FORMAT", () => {
  it("defaults to one JSON object per line when stdout is a pipe", async () => {
    const s = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
    running.push(s);
    const lines = s.logs.filter((l) => l.trim() !== "");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(isJsonObject(line), line).toBe(true);
    expect(lines.map((l) => JSON.parse(l).msg)).toContain("listening");
  });

  it("pretty prints readable lines, not JSON, even on a pipe", async () => {
    const proc = spawnServer({ ENGRAM_LOG_FORMAT: "pretty" });
    const exited = new Promise<number | null>((resolve) => proc.once("exit", resolve));
    let out = "";
    await new Promise<void>((resolve, reject) => {
      proc.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        if (/\blistening\b.*\n/.test(out)) resolve();
      });
      proc.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
    });
    proc.kill("SIGTERM");
    expect(await exited).toBe(0);
    const lines = out.split("\n").filter((l) => l.trim() !== "");
    for (const line of lines) expect(isJsonObject(line), line).toBe(false);
    // "[14:02:11.532] INFO: listening {"host":"127.0.0.1","port":…}": time, level, message, then the fields.
    expect(lines.find((l) => l.includes("listening"))).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: listening \{.*"port":\d+/);
    expect(lines.at(-1)).toMatch(/INFO: database closed; bye$/);
  });

  it("refuses an unknown format at start with the variable and the choices", async () => {
    const proc = spawnServer({ ENGRAM_LOG_FORMAT: "yaml" });
    let err = "";
    proc.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => proc.once("exit", resolve));
    expect(code).toBe(2);
    expect(err.trim()).toBe('engram-server: invalid ENGRAM_LOG_FORMAT="yaml": must be json or pretty');
  });
});
