import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openDb } from "@engram/core";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const SERVER_BIN = path.join(ROOT, "apps/server/bin/engram-server.js");
export const CLI_BIN = path.join(ROOT, "apps/cli/bin/engram-cli.js");

export interface RunningServer {
  url: string;
  port: number;
  dataDir: string;
  dbPath: string;
  proc: ChildProcess;
  logs: string[];
  /** SIGTERM and wait for a clean exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Resolves with the port of the first JSON log line `{"msg":"listening","port":N}` the process
 * prints on stdout (the server and the sidecar both log one; tests bind port 0). Every output
 * line goes into `logs`; the process exiting first, or 30 s of silence, rejects with them.
 */
export function listeningPort(proc: ChildProcess, name: string, logs: string[]): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${logs.join("\n")}`)), 30_000);
    proc.stdout!.on("data", (chunk: Buffer) => {
      buf += chunk.toString();
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        logs.push(line);
        try {
          const rec = JSON.parse(line) as { msg?: string; port?: number };
          if (rec.msg === "listening" && rec.port) {
            clearTimeout(timer);
            resolve(rec.port);
          }
        } catch {
          // not a log record
        }
      }
    });
    proc.stderr!.on("data", (c: Buffer) => logs.push(c.toString()));
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening:\n${logs.join("\n")}`));
    });
  });
}

export function tempDir(prefix = "engram-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Starts the built engram-server on a free loopback port (ENGRAM_PORT=0) with its own
 * temporary data folder, and resolves once it logs that it listens. `bin` lets a benchmark
 * start another build (an earlier commit's, to measure a baseline).
 */
export async function startServer(env: Record<string, string> = {}, dataDir = tempDir(), bin = SERVER_BIN): Promise<RunningServer> {
  const proc = spawn(process.execPath, [bin], {
    env: {
      PATH: process.env.PATH ?? "",
      ENGRAM_HOST: "127.0.0.1",
      ENGRAM_PORT: "0",
      ENGRAM_DATA_DIR: dataDir,
      ENGRAM_LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const port = await listeningPort(proc, "server", logs);
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    dbPath: env.ENGRAM_DB_PATH ?? path.join(dataDir, "engram.db"),
    proc,
    logs,
    stop: async (signal = "SIGTERM") => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/**
 * Resolves once the process has logged a line containing `text`, earlier or later: a test waits
 * on the event itself (a model loaded), not on a time budget that a busy machine can overrun.
 */
export function logged(s: { proc: ChildProcess; logs: string[] }, text: string): Promise<void> {
  const seen = () => s.logs.some((l) => l.includes(text));
  if (seen()) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    // listeningPort's handler was added first, so each chunk's lines are in `logs` when this runs.
    const onData = () => {
      if (!seen()) return;
      s.proc.stdout!.off("data", onData);
      resolve();
    };
    s.proc.stdout!.on("data", onData);
    s.proc.once("exit", () => reject(new Error(`exited before logging "${text}":\n${s.logs.join("\n")}`)));
  });
}

/** Moves an API key's expiry into the past in the database file: the server's clock cannot be moved from outside. */
export function expireKeyInDb(dbPath: string, keyId: number): void {
  const db = openDb({ path: dbPath });
  try {
    db.sqlite.prepare("UPDATE api_keys SET expires_at = ? WHERE id = ?").run(new Date(Date.now() - 60_000).toISOString(), keyId);
  } finally {
    db.close();
  }
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A thin fetch wrapper for black-box tests: JSON in, parsed JSON (or text) out, never throws on status. */
export function api(baseUrl: string, key?: string) {
  const call = async <T = any>(method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> => {
    const res = await fetch(baseUrl + p, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (metrics): keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  };
  return {
    get: <T = any>(p: string, h?: Record<string, string>) => call<T>("GET", p, undefined, h),
    post: <T = any>(p: string, body?: unknown, h?: Record<string, string>) => call<T>("POST", p, body ?? {}, h),
    put: <T = any>(p: string, body?: unknown) => call<T>("PUT", p, body ?? {}),
    del: <T = any>(p: string) => call<T>("DELETE", p),
    raw: call,
  };
}

/** Bootstraps a fresh server and returns the admin key. */
export async function bootstrap(url: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await api(url).post("/bootstrap", body);
  if (res.status !== 201) throw new Error(`bootstrap failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.key as string;
}

/**
 * One request over node:http, for what fetch will not do: a chosen source address on the
 * loopback network (`localAddress: "127.0.0.2"`: Linux routes all of 127.0.0.0/8 to lo) or
 * a Host header of our choosing (as a DNS-rebinding page's requests carry).
 */
export function rawRequest<T = any>(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: unknown; localAddress?: string } = {},
): Promise<ApiResponse<T>> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: opts.method ?? "GET",
        localAddress: opts.localAddress,
        agent: false,
        headers: { ...(payload !== undefined ? { "content-type": "application/json" } : {}), ...opts.headers },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers.set(k, v);
          resolve({ status: res.statusCode ?? 0, headers, body: parsed as T });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}
