import { spawn } from "node:child_process";

export interface ProcessResult {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  output: string;
  truncated: boolean;
  timedOut: boolean;
  /** Set when the program could not be started at all (ENOENT, EACCES, a missing cwd). */
  spawnError: string | null;
}

/**
 * Runs a program without blocking the event loop: stdout and stderr interleaved into one
 * output capped at `maxBytes` (the rest is read and dropped, so the child never stalls on a full
 * pipe), and after `timeoutMs` the whole process group is killed, grandchildren included.
 * The child gets only PATH, HOME and LANG: the server's environment holds secrets (the key
 * pepper, the LLM key) that a tool must not read.
 */
export function runProcess(file: string, args: readonly string[], opts: { cwd?: string | undefined; timeoutMs: number; maxBytes: number }): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    let timedOut = false;
    let spawnError: string | null = null;
    const child = spawn(file, args, {
      cwd: opts.cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/", LANG: process.env.LANG ?? "C.UTF-8" },
    });
    const collect = (chunk: Buffer) => {
      const room = opts.maxBytes - size;
      if (room <= 0) {
        truncated = true;
        return;
      }
      if (chunk.length > room) truncated = true;
      const kept = chunk.subarray(0, room);
      chunks.push(kept);
      size += kept.length;
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone between the timer and the kill.
      }
    }, opts.timeoutMs);
    child.on("error", (err) => {
      spawnError = err.message;
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output: Buffer.concat(chunks).toString("utf8"), truncated, timedOut, spawnError });
    });
  });
}
