import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar } from "../../apps/sidecar/test/sidecar-process.js";
import { api, bootstrap, startServer, tempDir, type RunningServer } from "../../test/support/server.js";
import { runHook } from "./run-hook.js";

/**
 * Each hook script runs as Claude Code runs it: bash, the hook's JSON payload on stdin, the real
 * engram-cli against a real engram-server. What the hooks store is checked through the server's API.
 */

let server: RunningServer;
let key: string;
let env: Record<string, string>;
const http = () => api(server.url, key);
const all = async () => (await http().get("/list?limit=1000")).body.results as { id: number; content: string; category: string; source: string; importance: number; tags: string[] }[];

const SESSION = "0b7e5a3c-1d2f-4e6a-9b8c-7d6e5f4a3b2c";
const CWD = "/home/dev/atlas-gateway";
const base = { session_id: SESSION, transcript_path: "/nonexistent/transcript.jsonl", cwd: CWD };

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
  key = await bootstrap(server.url);
  env = { ENGRAM_URL: server.url, ENGRAM_API_KEY: key };
  await http().post("/store", { content: "atlas-gateway terminates TLS at HAProxy and forwards plain HTTP to the pods", category: "fact" });
  await http().post("/store", { content: "Rotating the Grafana admin password is done through the vault CLI", category: "procedure" });
});
afterAll(() => server?.stop());

describe("SessionStart", () => {
  it("prints the context the server assembles for the project, this session's memories included", async () => {
    await http().post("/store", { content: "Half-way through: the canary rollout is paused at 20 percent", session_id: SESSION });
    const r = await runHook("session-start", { ...base, hook_event_name: "SessionStart", source: "resume" }, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    const [heading, ...rest] = r.stdout.split("\n");
    expect(heading).toBe("Engram memories for atlas-gateway (from earlier sessions):");
    const body = rest.join("\n");
    expect(body).toMatch(/## Relevant memories\n- \[fact\] atlas-gateway terminates TLS at HAProxy and forwards plain HTTP to the pods\n/);
    expect(body).toMatch(/## This session\n- \[general\] Half-way through: the canary rollout is paused at 20 percent\n/);
  });

  it("prints nothing when there is nothing to tell", async () => {
    const empty = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
    try {
      const emptyKey = await bootstrap(empty.url);
      const r = await runHook("session-start", { ...base, hook_event_name: "SessionStart", source: "startup" }, { ENGRAM_URL: empty.url, ENGRAM_API_KEY: emptyKey });
      expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
    } finally {
      await empty.stop();
    }
  });
});

describe("UserPromptSubmit", () => {
  it("prints the memories relevant to the prompt", async () => {
    const r = await runHook("user-prompt-submit", { ...base, hook_event_name: "UserPromptSubmit", prompt: "How do I rotate the Grafana admin password?" }, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Relevant memories from Engram:\n- \[procedure\] Rotating the Grafana admin password is done through the vault CLI \(memory #\d+\)\n/);
  });

  it("treats a prompt that looks like a flag as words", async () => {
    const r = await runHook("user-prompt-submit", { ...base, hook_event_name: "UserPromptSubmit", prompt: "--help with HAProxy TLS" }, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("atlas-gateway terminates TLS at HAProxy");
  });

  it("prints nothing for an empty prompt", async () => {
    expect(await runHook("user-prompt-submit", { ...base, hook_event_name: "UserPromptSubmit", prompt: "   " }, env)).toEqual({ code: 0, stdout: "", stderr: "" });
  });
});

describe("PostToolUse", () => {
  it("records a failed command with the end of its error output", async () => {
    const r = await runHook(
      "post-tool-use",
      {
        ...base,
        hook_event_name: "PostToolUse",
        tool_name: "Bash",
        tool_input: { command: "pnpm test --filter gateway", description: "Run the gateway tests" },
        tool_response: { stdout: "", stderr: `${"noise ".repeat(200)}Error: 3 tests failed in gateway.spec.ts`, interrupted: true, isImage: false },
      },
      env,
    );
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
    const m = (await all()).find((x) => x.category === "tool-outcome" && x.content.includes("pnpm test --filter gateway"));
    expect(m).toBeDefined();
    expect(m!.content).toMatch(/^Bash in atlas-gateway: ran `pnpm test --filter gateway`; failed\. Output: ….*Error: 3 tests failed in gateway\.spec\.ts$/);
    expect(m).toMatchObject({ source: "claude-code", importance: 5 });
    expect(m!.tags.sort()).toEqual(["project:atlas-gateway", `session:${SESSION}`, "tool:bash"]);
  });

  it("records an edit as a low-importance success", async () => {
    const r = await runHook(
      "post-tool-use",
      {
        ...base,
        hook_event_name: "PostToolUse",
        tool_name: "Edit",
        tool_input: { file_path: `${CWD}/src/router.ts`, old_string: "a", new_string: "b" },
        tool_response: { filePath: `${CWD}/src/router.ts`, success: true },
      },
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const m = (await all()).find((x) => x.content.startsWith("Edit in atlas-gateway"));
    expect(m).toMatchObject({ content: `Edit in atlas-gateway: edited ${CWD}/src/router.ts; succeeded.`, importance: 3, category: "tool-outcome" });
  });
});

describe("SessionEnd", () => {
  const entry = (role: "user" | "assistant", content: unknown, extra: object = {}) =>
    JSON.stringify({ type: role, message: { role, content }, sessionId: SESSION, timestamp: "2026-01-01T00:00:00.000Z", ...extra });

  it("stores a summary of the session from its transcript", async () => {
    const transcript = path.join(tempDir("engram-hooks-"), `${SESSION}.jsonl`);
    fs.writeFileSync(
      transcript,
      [
        entry("user", "<command-name>/clear</command-name>", { isMeta: true }),
        entry("user", "Add rate limiting to the gateway router"),
        entry("assistant", [
          { type: "text", text: "I'll add a token bucket." },
          { type: "tool_use", id: "t1", name: "Edit", input: { file_path: `${CWD}/src/router.ts`, old_string: "a", new_string: "b" } },
        ]),
        entry("user", [{ type: "tool_result", tool_use_id: "t1", content: "ok" }]),
        entry("assistant", [{ type: "tool_use", id: "t2", name: "Bash", input: { command: "pnpm test" } }]),
        entry("user", "Now document it in the README"),
        entry("assistant", [
          { type: "tool_use", id: "t3", name: "Write", input: { file_path: `${CWD}/README.md`, content: "..." } },
          { type: "text", text: "Rate limiting is in place: 100 requests per minute per key, documented in the README." },
        ]),
        '{"type":"assistant","message":{"role":"assist', // torn last line of a live transcript
      ].join("\n"),
    );
    const r = await runHook("session-end", { ...base, transcript_path: transcript, hook_event_name: "SessionEnd", reason: "logout" }, env);
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
    const m = (await all()).find((x) => x.category === "session-summary");
    expect(m).toBeDefined();
    expect(m!.content).toBe(
      [
        "Session summary for atlas-gateway (ended: logout): 2 requests, 3 tool calls (Edit 1, Bash 1, Write 1).",
        'Asked: "Add rate limiting to the gateway router"; "Now document it in the README".',
        "Changed: src/router.ts, README.md.",
        'Last reply: "Rate limiting is in place: 100 requests per minute per key, documented in the README."',
      ].join("\n"),
    );
    expect(m).toMatchObject({ source: "claude-code", importance: 6 });
    expect(m!.tags.sort()).toEqual(["project:atlas-gateway", "session-end", `session:${SESSION}`]);
  });

  it("stores nothing and says why when the transcript is missing", async () => {
    const before = (await all()).length;
    const r = await runHook("session-end", { ...base, hook_event_name: "SessionEnd", reason: "other" }, env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("engram session-end hook: no requests in the transcript; nothing to summarize\n");
    expect((await all()).length).toBe(before);
  });
});

describe("through the session's engram-sidecar", () => {
  const toolUse = (command: string) => ({
    ...base,
    hook_event_name: "PostToolUse",
    tool_name: "Bash",
    tool_input: { command },
    tool_response: { stdout: "ok", stderr: "" },
  });
  /** The session a hook's memory was filed under: engram-cli sends none, a sidecar adds its own. */
  const sessionOf = async (command: string) => {
    const m = (await all()).find((x) => x.content.includes(command));
    expect(m, command).toBeDefined();
    return (await http().get(`/memory/${m!.id}`)).body.session_id as string | null;
  };

  it("stores and recalls through the sidecar named by ~/.engram/sidecar/<session_id>, sending its token", async () => {
    const home = tempDir("engram-home-");
    const sidecar = await startSidecar(["--session-id", SESSION], { HOME: home, ENGRAM_URL: server.url, ENGRAM_API_KEY: key });
    try {
      const stored = await runHook("post-tool-use", toolUse("make sidecar-route-check"), { ...env, HOME: home });
      expect(stored).toEqual({ code: 0, stdout: "", stderr: "" });
      expect(await sessionOf("make sidecar-route-check")).toBe(SESSION);

      const misses = (await sidecar.http.get("/health")).body.cache.misses as number;
      const recalled = await runHook("user-prompt-submit", { ...base, hook_event_name: "UserPromptSubmit", prompt: "Where is TLS terminated for the gateway?" }, { ...env, HOME: home });
      expect(recalled.code, recalled.stderr).toBe(0);
      expect(recalled.stdout).toContain("atlas-gateway terminates TLS at HAProxy");
      expect((await sidecar.http.get("/health")).body.cache.misses).toBe(misses + 1);
    } finally {
      await sidecar.stop();
    }
  });

  it("ignores a sidecar.json that others can read, and one whose sidecar no longer runs", async () => {
    const sidecar = await startSidecar(["--session-id", "elsewhere", "--state-dir", tempDir("engram-sidecar-")], { ENGRAM_URL: server.url, ENGRAM_API_KEY: key });
    const announced = fs.readFileSync(path.join(sidecar.stateDir, "sidecar.json"), "utf8");
    const copy = (fileMode: number) => {
      const dir = tempDir("engram-sidecar-copy-");
      fs.writeFileSync(path.join(dir, "sidecar.json"), announced, { mode: fileMode });
      fs.chmodSync(path.join(dir, "sidecar.json"), fileMode);
      return dir;
    };
    try {
      const shared = copy(0o644);
      const r = await runHook("post-tool-use", toolUse("make world-readable-check"), { ...env, ENGRAM_SIDECAR_DIR: shared });
      expect(r).toEqual({
        code: 0,
        stdout: "",
        stderr: `engram post-tool-use hook: ignoring ${shared}/sidecar.json: only a file of this user's that nobody else can read or write (0600) is trusted; using the server directly\n`,
      });
      expect(await sessionOf("make world-readable-check")).toBeNull();
    } finally {
      await sidecar.stop();
    }
    const stale = await runHook("post-tool-use", toolUse("make stale-sidecar-check"), { ...env, ENGRAM_SIDECAR_DIR: copy(0o600) });
    expect(stale).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(await sessionOf("make stale-sidecar-check")).toBeNull();
  });
});

describe("never blocking the agent", () => {
  const payloads: Record<string, object> = {
    "session-start": { ...base, hook_event_name: "SessionStart", source: "startup" },
    "user-prompt-submit": { ...base, hook_event_name: "UserPromptSubmit", prompt: "What does the gateway do?" },
    "post-tool-use": { ...base, hook_event_name: "PostToolUse", tool_name: "Bash", tool_input: { command: "ls" }, tool_response: { stdout: "a", stderr: "" } },
    "session-end": { ...base, hook_event_name: "SessionEnd", reason: "exit" },
  };

  it("exits 0 with nothing on stdout and the reason on stderr when the server is down", async () => {
    const down = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
    const downKey = await bootstrap(down.url);
    await down.stop();
    const transcript = path.join(tempDir("engram-hooks-"), "t.jsonl");
    fs.writeFileSync(transcript, `${JSON.stringify({ type: "user", message: { role: "user", content: "Summarize the logs" } })}\n`);
    for (const [name, payload] of Object.entries(payloads)) {
      const r = await runHook(name, { ...payload, transcript_path: transcript }, { ENGRAM_URL: down.url, ENGRAM_API_KEY: downKey });
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      expect(r.stdout, name).toBe("");
      expect(r.stderr, name).toMatch(new RegExp(`^engram ${name} hook: engram-cli (context|recall|store) failed \\(error: cannot reach engram-server at ${down.url}: ECONNREFUSED\\); skipped\\n$`));
    }
  });

  it("exits 0 and says so when the server accepts the connection but never answers", async () => {
    // A hung server: connections are accepted and held, no byte ever comes back.
    const held: net.Socket[] = [];
    const hung = net.createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(hung.address() as net.AddressInfo).port}`;
    try {
      const r = await runHook("user-prompt-submit", payloads["user-prompt-submit"], { ENGRAM_URL: url, ENGRAM_API_KEY: "engram_00000000000000000000000000000000", ENGRAM_HOOK_TIMEOUT: "1" });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe("engram user-prompt-submit hook: engram-cli recall failed (no answer within 1s); skipped\n");
      expect(held.length).toBeGreaterThan(0);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => hung.close(resolve));
    }
  });

  it("exits 0 and names the server's refusal for a bad key", async () => {
    const r = await runHook("user-prompt-submit", payloads["user-prompt-submit"], { ENGRAM_URL: server.url, ENGRAM_API_KEY: "engram_00000000000000000000000000000000" });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^engram user-prompt-submit hook: engram-cli recall failed \(error: .+\); skipped\n$/);
  });

  it("exits 0 when the payload is not JSON or engram-cli cannot be found", async () => {
    expect(await runHook("session-start", "not json", env)).toEqual({ code: 0, stdout: "", stderr: "engram session-start hook: the payload on stdin is not JSON; skipped\n" });
    // Neither ENGRAM_CLI nor a PATH with engram-cli on it (the workspace's node_modules/.bin has one).
    const noCli = await runHook("post-tool-use", payloads["post-tool-use"], { ...env, ENGRAM_CLI: "", PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` });
    expect(noCli).toEqual({ code: 0, stdout: "", stderr: "engram post-tool-use hook: engram-cli not found: install it or set ENGRAM_CLI; skipped\n" });
  });
});

describe("joinLines (memories printed one per line)", () => {
  it("gives what `.replace(/\\s*\\n\\s*/g, \" \")` gave, without its quadratic scan of long space runs", async () => {
    const { joinLines } = await import("../lib/text.mjs");
    const parts = [" ", "  ", "\n", "\t", "\r\n", "x", "y z", "\u00a0"];
    let seed = 5;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let i = 0; i < 20_000; i++) {
      const text = Array.from({ length: 1 + (next() % 10) }, () => parts[next() % parts.length]).join("");
      expect(joinLines(text), JSON.stringify(text)).toBe(text.replace(/\s*\n\s*/g, " "));
    }
  });
});
