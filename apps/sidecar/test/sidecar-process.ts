import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import { api, listeningPort, ROOT } from "../../../test/support/server.js";

export const SIDECAR_BIN = path.join(ROOT, "apps/sidecar/bin/engram-sidecar.js");

export interface RunningSidecar {
  url: string;
  port: number;
  /** The state dir it announced in its `listening` line. */
  stateDir: string;
  /** Read from `<stateDir>/sidecar.json`, as hooks and clients read it. */
  token: string;
  proc: ChildProcess;
  logs: string[];
  /** Sends the token; `api(url)` for a caller without it. */
  http: ReturnType<typeof api>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns the built engram-sidecar with only PATH and the given env, and resolves once it prints
 * its `listening` line (the bound port: tests use --port 0). With `umask`, the process starts
 * under that umask (through sh), as it would from a login shell.
 */
export async function startSidecar(args: string[], env: Record<string, string> = {}, opts: { umask?: string } = {}): Promise<RunningSidecar> {
  const argv = [SIDECAR_BIN, "--port", "0", ...args];
  const proc =
    opts.umask === undefined
      ? spawn(process.execPath, argv, { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] })
      : spawn("sh", ["-c", `umask ${opts.umask} && exec "$0" "$@"`, process.execPath, ...argv], {
          env: { PATH: process.env.PATH ?? "", ...env },
          stdio: ["ignore", "pipe", "pipe"],
        });
  const logs: string[] = [];
  const port = await listeningPort(proc, "sidecar", logs);
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const stateDir = logs.map(logRecord).find((r) => r?.msg === "listening")!.state_dir!;
  const token = (JSON.parse(fs.readFileSync(path.join(stateDir, "sidecar.json"), "utf8")) as { token: string }).token;
  return {
    url,
    port,
    stateDir,
    token,
    proc,
    logs,
    http: api(url, token),
    stop: async (signal = "SIGTERM") => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

function logRecord(line: string): { msg?: string; state_dir?: string } | undefined {
  try {
    return JSON.parse(line) as { msg?: string; state_dir?: string };
  } catch {
    return undefined; // stderr text
  }
}

/**
 * Retries `check` while its assertions fail, for work the sidecar does in the background. The
 * bound only keeps the last assertion's message from being swallowed by vitest's test timeout.
 */
export async function eventually<T>(check: () => Promise<T>, attempts = 400): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await check();
    } catch (err) {
      if (i >= attempts || !(err instanceof Error) || err.name !== "AssertionError") throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export interface ServerMemory {
  id: number;
  content: string;
  category: string;
  source: string;
  tags: string[];
  session_id: string | null;
  importance: number;
  source_count: number;
}

/** Every memory the key's user owns, oldest first. */
export async function memoriesOn(server: ReturnType<typeof api>): Promise<ServerMemory[]> {
  const res = await server.get("/list?limit=1000&include_archived=true&include_forgotten=true");
  expect(res.status).toBe(200);
  return (res.body.results as ServerMemory[]).slice().reverse();
}
