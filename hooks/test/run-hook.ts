import { spawn } from "node:child_process";
import path from "node:path";
import { CLI_BIN, ROOT } from "../../test/support/server.js";

export interface HookRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a hook script as Claude Code runs it: bash, the JSON payload on stdin, the real engram-cli. */
export function runHook(name: string, payload: unknown, env: Record<string, string>): Promise<HookRun> {
  return new Promise((resolve, reject) => {
    const proc = spawn("bash", [path.join(ROOT, "hooks", `${name}.sh`)], {
      env: { PATH: process.env.PATH ?? "", ENGRAM_CLI: CLI_BIN, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    proc.on("error", reject);
    proc.on("close", (code) => resolve({ code, stdout, stderr }));
    proc.stdin.end(typeof payload === "string" ? payload : JSON.stringify(payload));
  });
}
