import { execFile } from "node:child_process";
import { expect } from "vitest";
import { CLI_BIN } from "../../../test/support/server.js";

/** The built engram-cli binary as a child process, the way people and scripts run it. */

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with only PATH and the given env, so the developer's ENGRAM_* never leak in. */
export function cli(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_BIN, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, cwd, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Exit 1, nothing on stdout, exactly one `error: ...` line on stderr, no stack trace. */
export function expectOneLineError(r: CliResult, message: RegExp | string) {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^error: [^\n]+\n$/);
  if (typeof message === "string") expect(r.stderr).toBe(`error: ${message}\n`);
  else expect(r.stderr).toMatch(message);
}

/** The JSON a successful `--json` run printed. */
export const parse = (r: CliResult) => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};
