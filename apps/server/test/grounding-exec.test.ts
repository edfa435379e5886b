import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, tempDir, type RunningServer } from "../../../test/support/server.js";
import { keyFor, twoTenants, type Client } from "../../../test/support/tenants.js";

/** POST /grounding/execute with ENGRAM_GROUNDING_EXEC=1: the tools really run on this host. */

let server: RunningServer;
let admin: Client;
let admin2: Client;
let alice: Client;
let bob: Client;
let dir: string;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_GROUNDING_EXEC: "1", ENGRAM_API_KEY_PEPPER: "pepper-secret-do-not-leak" });
  const t = await twoTenants(server.url);
  admin = t.admin;
  alice = t.alice.api;
  bob = t.bob.api;
  const other = await admin.post("/users", { username: "ops-admin", role: "admin" });
  admin2 = (await keyFor(server.url, admin, other.body.id as number, "read,write,admin")).api;
  dir = tempDir("engram-grounding-");
  fs.mkdirSync(path.join(dir, "sub"));
  fs.writeFileSync(path.join(dir, "notes.txt"), "line one\nline two\nline three\n");
  fs.writeFileSync(path.join(dir, "sub", "deep.txt"), "deep\n");
});
afterAll(() => server.stop());

const exec = (who: Client, body: Record<string, unknown>) => who.post("/grounding/execute", body);

describe("POST /grounding/execute", () => {
  it("runs a shell command and answers its output", async () => {
    const res = await exec(admin, { tool: "shell_exec", args: { command: "echo hello; echo oops >&2", cwd: dir } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "success", error: null });
    expect(res.body.content.split("\n").sort()).toEqual(["", "hello", "oops"]);
    expect(res.body.execution_time_ms).toBeGreaterThanOrEqual(0);
  });

  it("a failing command is status error with its exit code, not an HTTP error", async () => {
    expect((await exec(admin, { tool: "shell_exec", args: { command: "echo partial; exit 3" } })).body).toMatchObject({ status: "error", content: "partial\n", error: "exit code 3" });
    expect((await exec(admin, { tool: "shell_exec", args: { command: "true", cwd: path.join(dir, "missing") } })).body).toMatchObject({ status: "error" });
  });

  it("does not hand the server's secrets to the command", async () => {
    const res = await exec(admin, { tool: "shell_exec", args: { command: 'echo "[$ENGRAM_API_KEY_PEPPER]"' } });
    expect(res.body.content).toBe("[]\n");
  });

  it("kills a command at its timeout, and the server answers others meanwhile", async () => {
    const slow = exec(admin, { tool: "shell_exec", args: { command: "sleep 30" }, timeout_ms: 1500 });
    const order: string[] = [];
    const health = admin.get("/health").then((r) => order.push(`health ${r.status}`));
    const done = slow.then((r) => {
      order.push("exec");
      return r;
    });
    await Promise.all([health, done]);
    expect(order).toEqual(["health 200", "exec"]);
    expect((await done).body).toMatchObject({ status: "error", error: "timed out after 1500 ms" });
  });

  it("caps the output", async () => {
    const res = await exec(admin, { tool: "shell_exec", args: { command: "head -c 200000 /dev/zero | tr '\\0' a" } });
    expect(res.body.status).toBe("success");
    expect(res.body.content).toBe(`${"a".repeat(65536)}\n[truncated at 65536 bytes]`);
  });

  it("reads files, lists directories, reports git status and the system", async () => {
    expect((await exec(admin, { tool: "file_read", args: { path: path.join(dir, "notes.txt"), max_lines: 2 } })).body).toMatchObject({
      status: "success",
      content: "line one\nline two\n[truncated: first 2 lines shown]",
    });
    expect((await exec(admin, { tool: "file_list", args: { path: dir } })).body.content).toBe("notes.txt\nsub/");
    expect((await exec(admin, { tool: "file_list", args: { path: dir, recursive: true } })).body.content).toBe("notes.txt\nsub/\nsub/deep.txt");
    expect((await exec(admin, { tool: "file_read", args: { path: path.join(dir, "nope.txt") } })).body).toMatchObject({ status: "error", error: expect.stringMatching(/^ENOENT/) });
    expect((await exec(admin, { tool: "git_status", args: { path: dir } })).body.status).toBe("error");
    // Only regular files: a FIFO would wait for a writer forever.
    const fifo = path.join(dir, "pipe");
    await new Promise<void>((resolve, reject) => execFile("mkfifo", [fifo], (err) => (err ? reject(err) : resolve())));
    expect((await exec(admin, { tool: "file_read", args: { path: fifo } })).body).toMatchObject({ status: "error", error: "not a regular file" });
    expect((await exec(admin, { tool: "file_read", args: { path: dir } })).body).toMatchObject({ status: "error", error: "not a regular file" });
    const info = await exec(admin, { tool: "system_info" });
    expect(JSON.parse(info.body.content)).toMatchObject({ platform: process.platform, cpus: expect.any(Number) });
  });

  it("with a session: its activity moves; another tenant's session is a 404", async () => {
    const mine = (await admin.post("/grounding/sessions", { backend: "system" })).body;
    const bobs = (await bob.post("/grounding/sessions", {})).body;
    expect((await exec(admin, { tool: "system_info", session_id: mine.id })).body.status).toBe("success");
    expect((await admin.get(`/grounding/sessions/${mine.id}`)).body.last_activity_at >= mine.last_activity_at).toBe(true);
    const foreign = await exec(admin, { tool: "system_info", session_id: bobs.id });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual({ error: "grounding session not found" });
  });

  it("is admin only: 403 for other keys", async () => {
    const res = await exec(alice, { tool: "system_info" });
    expect(res.status).toBe(403);
  });

  it("bad input is a 400 naming the field", async () => {
    for (const [body, error] of [
      [{ tool: "" }, "tool: must not be empty"],
      [{}, "tool: is required"],
      [{ tool: "rm_rf" }, "tool: unknown tool; one of shell_exec, file_read, file_list, git_status, system_info"],
      [{ tool: "shell_exec" }, "args.command: is required"],
      [{ tool: "shell_exec", args: { command: "   " } }, "args.command: must not be empty"],
      [{ tool: "file_read", args: { path: "/etc/hostname", max_lines: 0 } }, "args.max_lines: must be between 1 and 10000"],
      [{ tool: "system_info", timeout_ms: 60_001 }, "timeout_ms: must be between 1 and 60000"],
      [{ tool: "system_info", args: "x" }, "args: must be an object"],
    ] as const) {
      const res = await exec(admin, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toEqual({ error });
    }
  });
});

describe("GET /grounding/quality", () => {
  it("counts each caller's own calls per tool", async () => {
    const res = await admin.get("/grounding/quality");
    expect(res.status).toBe(200);
    const shell = res.body.records.find((r: { tool_name: string }) => r.tool_name === "shell_exec");
    expect(shell).toMatchObject({ tool_key: "shell/local/shell_exec", backend: "shell", server: "local", total_calls: 6, total_successes: 3, total_failures: 3 });
    expect(shell.quality_score).toBe(0.5);
    const degraded = (await admin.get("/grounding/quality?degraded=true")).body.records.map((r: { tool_name: string }) => r.tool_name);
    expect(degraded).toContain("shell_exec");
    expect(degraded).not.toContain("system_info");
    // Another admin's calls are his own record; others see none of the first admin's.
    await exec(admin2, { tool: "system_info" });
    expect((await admin2.get("/grounding/quality")).body.records).toEqual([expect.objectContaining({ tool_name: "system_info", total_calls: 1 })]);
    expect((await alice.get("/grounding/quality")).body).toEqual({ records: [], count: 0 });
  });
});
