import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, tempDir, type RunningServer } from "../../test/support/server.js";
import { runHook } from "./run-hook.js";

/**
 * Every field of a hook's payload comes from the agent's session: prompts, commands, their output,
 * file names. None of it may ever run as shell: each payload below tries every way a careless
 * script would let it, and must only ever be stored or searched as text.
 */

let server: RunningServer;
let env: Record<string, string>;
let marks: string;

/** Shell that would create a file in `marks` if any hook evaluated it. */
function attacks(tag: string): string[] {
  const mark = path.join(marks, tag);
  return [`$(touch ${mark}-dollar)`, `\`touch ${mark}-backtick\``, `x; touch ${mark}-semicolon`, `x' ; touch ${mark}-quote ; '`, `x" ; touch ${mark}-dquote ; "`, `x\ntouch ${mark}-newline`, `--x=$(touch ${mark}-flag)`];
}

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
  env = { ENGRAM_URL: server.url, ENGRAM_API_KEY: await bootstrap(server.url) };
  marks = tempDir("engram-hook-marks-");
});
afterAll(() => server?.stop());

describe("hooks and hostile payloads", () => {
  it("never run payload text as shell, in any field of any hook", async () => {
    // Every attack at once in every field: one run per hook.
    const text = attacks("a").join(" ");
    const base = { session_id: "0b7e5a3c-1d2f-4e6a-9b8c-7d6e5f4a3b2c", cwd: `/home/dev/${text}`, transcript_path: path.join(marks, "none.jsonl") };
    const transcript = path.join(tempDir("engram-hook-t-"), "t.jsonl");
    fs.writeFileSync(transcript, `${JSON.stringify({ type: "user", message: { role: "user", content: `Please ${text}` } })}\n`);
    const runs = [
      runHook("session-start", { ...base, hook_event_name: "SessionStart", source: text }, env),
      runHook("user-prompt-submit", { ...base, hook_event_name: "UserPromptSubmit", prompt: `deploy ${text}` }, env),
      runHook(
        "post-tool-use",
        {
          ...base,
          hook_event_name: "PostToolUse",
          tool_name: `Bash ${text}`,
          tool_input: { command: `echo ${text}`, file_path: `/tmp/${text}` },
          tool_response: { stdout: text, stderr: `Error: ${text}`, interrupted: true },
        },
        env,
      ),
      runHook("session-end", { ...base, transcript_path: transcript, hook_event_name: "SessionEnd", reason: text }, env),
    ];
    for (const r of await Promise.all(runs)) expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(marks).filter((f) => f.startsWith("a-"))).toEqual([]);
    // The text arrived as text: the post-tool-use memories hold it verbatim.
    const stored = (await api(server.url, env.ENGRAM_API_KEY).get("/list?limit=1000")).body.results as { content: string }[];
    expect(stored.some((m) => m.content.includes("$(touch "))).toBe(true);
    expect(stored.some((m) => m.content.includes("`touch "))).toBe(true);
  });
});
