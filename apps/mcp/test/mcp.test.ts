import { execFile } from "node:child_process";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, type RunningServer } from "../../../test/support/server.js";
import { newTenant } from "../../../test/support/tenants.js";
import { callTool, connectStdio, MCP_BIN, ok, toolError, type StdioSession } from "./mcp-process.js";

/**
 * Black-box tests of engram-mcp over stdio: the built binary is spawned by the SDK's own
 * Client, as an MCP client would, and talks to a real engram-server. What a tool claims to
 * have done is checked independently through the HTTP API.
 */

const TOOLS = [
  "memory_store",
  "memory_search",
  "memory_recall",
  "memory_context",
  "memory_get",
  "memory_list",
  "memory_update",
  "memory_forget",
  "memory_archive",
  "memory_delete",
  "memory_versions",
  "memory_guard",
  "fsrs_review",
  "graph_neighborhood",
  "context_assemble_context",
  "context_get_header",
  "context_generate_prompt",
  "intelligence_consolidate",
  "intelligence_detect_contradictions",
  "intelligence_decompose",
  "intelligence_temporal_summary",
  "intelligence_reflect",
  "intelligence_extract_facts",
  "intelligence_sentiment",
  "intelligence_causal_trace",
];
/** ENGRAM_MCP_TOOLSETS unset lists the memory and context toolsets. */
const DEFAULT_TOOLS = TOOLS.filter((t) => !t.startsWith("graph_") && !t.startsWith("intelligence_"));

const NO_EMBEDDINGS = { ENGRAM_EMBEDDING_PROVIDER: "none" };

/** The text of a resource read's first content (engram's resources are all JSON text). */
const resourceText = (read: { contents: ({ text: string } | { blob: string })[] }) => {
  const first = read.contents[0]!;
  expect("text" in first).toBe(true);
  return (first as { text: string }).text;
};

describe("engram-mcp over stdio against a running engram-server", () => {
  let server: RunningServer;
  let adminKey: string;
  let bobKey: string;
  let mcp: StdioSession;
  let client: Client;
  const admin = () => api(server.url, adminKey);

  beforeAll(async () => {
    server = await startServer(NO_EMBEDDINGS);
    adminKey = await bootstrap(server.url);
    bobKey = (await newTenant(server.url, admin(), "bob")).key;
    mcp = await connectStdio({ ENGRAM_URL: server.url, ENGRAM_API_KEY: adminKey, ENGRAM_MCP_TOOLSETS: "all" });
    client = mcp.client;
  });
  afterAll(async () => {
    await mcp?.close();
    await server?.stop();
  });

  it("lists every tool once, under its reference name, each described and with an input schema", async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names.sort()).toEqual([...TOOLS].sort());
    for (const t of tools) {
      expect(t.description!.length, t.name).toBeGreaterThan(40);
      expect(t.inputSchema.type).toBe("object");
      expect(Object.keys(t.inputSchema.properties ?? {}).length, t.name).toBeGreaterThan(0);
    }
    const store = tools.find((t) => t.name === "memory_store")!;
    expect(store.inputSchema.required).toEqual(["content"]);
    expect(store.inputSchema.properties!.importance).toMatchObject({ type: "integer", minimum: 1, maximum: 10 });
    expect(tools.find((t) => t.name === "memory_search")!.annotations).toMatchObject({ readOnlyHint: true });
    expect(tools.find((t) => t.name === "memory_delete")!.annotations).toMatchObject({ destructiveHint: true });
  });

  it("announces engram-server on stderr, never on stdout (stdout is the protocol)", async () => {
    await expect.poll(() => mcp.stderr()).toMatch(new RegExp(`engram-mcp: engram-server \\S+ at ${server.url}`));
  });

  describe("tools", () => {
    let deployId: number;

    it("memory_store stores through engram-server, with the MCP as default source", async () => {
      const r = await ok(client, "memory_store", {
        content: "the deploy window is Tuesday at 14:00 UTC",
        category: "decision",
        importance: 8,
        tags: ["Ops", "deploy"],
      });
      expect(r).toMatchObject({ stored: true, importance: 8, tags: ["ops", "deploy"] });
      deployId = r.id;
      const stored = await admin().get(`/memory/${deployId}`);
      expect(stored.body).toMatchObject({ content: "the deploy window is Tuesday at 14:00 UTC", category: "decision", source: "mcp", importance: 8 });

      const own = await ok(client, "memory.store", { content: "the staging database is called heron", source: "claude" });
      expect((await admin().get(`/memory/${own.id}`)).body).toMatchObject({ source: "claude", category: "general", importance: 5 });
    });

    it("a near-duplicate is reported as such, not stored twice", async () => {
      const dup = await ok(client, "memory_store", { content: "the deploy window is Tuesday at 14:00 UTC" });
      expect(dup).toMatchObject({ stored: false, duplicate: true, existing_id: deployId });
    });

    it("memory_search and memory.search find it, with filters forwarded", async () => {
      const r = await ok(client, "memory_search", { query: "deploy window" });
      // The nested copy of the memory is for typed SDKs over HTTP, not for an agent's context.
      expect(r.results[0]).not.toHaveProperty("memory");
      expect(r.abstained).toBe(false);
      expect(r.results[0]).toMatchObject({ id: deployId, content: "the deploy window is Tuesday at 14:00 UTC" });
      const same = await ok(client, "memory.search", { query: "deploy window" });
      expect(same.results.map((x: { id: number }) => x.id)).toEqual(r.results.map((x: { id: number }) => x.id));
      expect((await ok(client, "memory_search", { query: "deploy window", category: "nothing-here" })).results).toEqual([]);
      expect((await ok(client, "memory_search", { query: "deploy window", tags: ["ops"] })).results.map((x: { id: number }) => x.id)).toEqual([deployId]);
    });

    it("memory_recall brings back relevant memories", async () => {
      const r = await ok(client, "memory_recall", { query: "deploy window", limit: 5 });
      expect(r.memories.map((m: { id: number }) => m.id)).toContain(deployId);
    });

    it("memory_context answers with the assembled context as text", async () => {
      const r = await ok(client, "memory_context", { query: "when is the deploy window", max_tokens: 500 });
      expect(r.context).toContain("the deploy window is Tuesday at 14:00 UTC");
      expect(r.token_budget).toBe(500);
      expect(r.blocks.map((b: { id: number }) => b.id)).toContain(deployId);
    });

    it("get, list, update, versions", async () => {
      expect(await ok(client, "memory_get", { id: deployId })).toMatchObject({ id: deployId, version: 1, is_latest: true });
      const listed = await ok(client, "memory_list", { category: "decision" });
      expect(listed.results.map((m: { id: number }) => m.id)).toEqual([deployId]);

      const v2 = await ok(client, "memory_update", { id: deployId, content: "the deploy window is Wednesday at 14:00 UTC", importance: 9 });
      expect(v2).toMatchObject({ version: 2, parent_memory_id: deployId, importance: 9, category: "decision" });
      expect((await admin().get(`/memory/${v2.id}`)).body.content).toBe("the deploy window is Wednesday at 14:00 UTC");

      const chain = await ok(client, "memory_versions", { id: v2.id });
      expect(chain.versions.map((v: { id: number; version: number }) => [v.id, v.version])).toEqual([[deployId, 1], [v2.id, 2]]);
    });

    it("forget, archive and delete change the memory on the server", async () => {
      const a = (await ok(client, "memory_store", { content: "the coffee machine is on floor three" })).id as number;
      const b = (await ok(client, "memory_store", { content: "the old wiki lives at wiki.internal" })).id as number;
      const c = (await ok(client, "memory_store", { content: "a scratch note to delete" })).id as number;

      expect(await ok(client, "memory_forget", { id: a, reason: "moved" })).toEqual({ id: a, status: "forgotten" });
      expect((await admin().get(`/memory/${a}`)).status).toBe(404);
      expect(await ok(client, "memory.archive", { id: b })).toEqual({ id: b, status: "archived" });
      expect((await admin().get(`/memory/${b}`)).body.status).toBe("archived");
      expect(await ok(client, "memory_delete", { id: c })).toEqual({ deleted: true, id: c });
      expect((await admin().get(`/memory/${c}`)).status).toBe(404);
    });

    it("memory_guard checks an action against the stored rules", async () => {
      const rule = await ok(client, "memory_store", { content: "never force-push to the main branch", category: "rule", importance: 10, is_static: true });
      const blocked = await ok(client, "memory_guard", { action: "force-push my commits to the main branch" });
      expect(blocked).toMatchObject({ signal: "block", rules: [expect.objectContaining({ id: rule.id })] });
      expect((await ok(client, "memory.guard", { action: "water the office plants" })).signal).toBe("allow");
    });

    it("fsrs_review grades a memory and graph_neighborhood shows its surroundings", async () => {
      const id = (await ok(client, "memory_store", { content: "the release checklist lives in docs/release.md" })).id as number;
      const stored = (await admin().get(`/memory/${id}`)).body;
      const reviewed = await ok(client, "fsrs_review", { id, grade: 4 });
      expect(reviewed).toMatchObject({ id, fsrs: { reps: expect.any(Number) } });
      expect(reviewed.fsrs.reps).toBeGreaterThanOrEqual(1);
      // The grade reaches the scheduler: Easy raises stability, where the same-day Good (the default) would not.
      expect(reviewed).toMatchObject({ grade: 4, fsrs: { lapses: 0 } });
      expect(reviewed.fsrs.stability).toBeGreaterThan(stored.fsrs_stability);
      const again = await ok(client, "fsrs_review", { id, grade: 1 });
      expect(again).toMatchObject({ grade: 1, fsrs: { lapses: 1 } });
      expect(again.fsrs.stability).toBeLessThan(reviewed.fsrs.stability);
      expect((await admin().get(`/memory/${id}`)).body).toMatchObject({ fsrs_lapses: 1, fsrs_stability: again.fsrs.stability });

      // An update links the new version to the old one: the neighbourhood holds both and that link.
      const v2 = (await ok(client, "memory_update", { id, content: "the release checklist moved to docs/releasing.md" })).id as number;
      const hood = await ok(client, "graph_neighborhood", { id: v2 });
      expect(hood.nodes.map((n: { id: number }) => n.id).sort()).toEqual([id, v2].sort());
      expect(hood.edges).toEqual([expect.objectContaining({ source_id: v2, target_id: id, type: "updates" })]);
    });
  });

  describe("errors are tool errors with a readable message, and the server keeps serving", () => {
    const countMemories = async () => (await admin().get("/list?limit=1000&include_archived=true&include_forgotten=true")).body.results.length as number;

    it("a bad argument names the field and reaches no server", async () => {
      const before = await countMemories();
      expect(await toolError(client, "memory_store", { content: "too important", importance: 11 })).toMatch(/importance/);
      expect(await toolError(client, "memory_store", { importance: 3 })).toMatch(/content/);
      expect(await toolError(client, "memory_get", { id: "abc" })).toMatch(/id/);
      expect(await toolError(client, "fsrs_review", { id: 1, grade: 7 })).toMatch(/grade/);
      expect(await countMemories()).toBe(before);
    });

    it("what only the server can check comes back with the server's status and message", async () => {
      expect(await toolError(client, "memory_get", { id: 999_999 })).toBe("engram-server answered 404: memory not found");
      expect(await toolError(client, "memory_store", { content: "   " })).toBe("engram-server answered 400: content: must not be empty or whitespace");
      const first = (await ok(client, "memory_store", { content: "the printer on floor two jams on A3 paper" })).id as number;
      await ok(client, "memory_update", { id: first, content: "the printer on floor two jams on A4 paper" });
      expect(await toolError(client, "memory_update", { id: first, importance: 2 })).toBe(
        `engram-server answered 409: memory ${first} is not the latest version; update the latest one`,
      );
      // Still serving after all of that.
      expect((await client.listTools()).tools.length).toBe(TOOLS.length);
    });

    it("an unknown tool is a tool error too", async () => {
      const r = await callTool(client, "memory_teleport", {});
      expect(r.isError).toBe(true);
      expect(r.content[0]!.text).toMatch(/memory_teleport not found/);
    });
  });

  describe("resources and prompts", () => {
    it("engram://memories/recent lists the newest memories as JSON", async () => {
      const { resources } = await client.listResources();
      expect(resources.map((r) => r.uri)).toContain("engram://memories/recent");
      const read = await client.readResource({ uri: "engram://memories/recent" });
      const latest = (await admin().get("/list?limit=20")).body.results as { id: number }[];
      const shown = JSON.parse(resourceText(read)) as { id: number }[];
      expect(read.contents[0]!.mimeType).toBe("application/json");
      expect(shown.map((m) => m.id)).toEqual(latest.map((m) => m.id));
    });

    it("engram://memory/{id} reads one memory; recent ones are listed for browsing", async () => {
      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates.map((t) => t.uriTemplate)).toContain("engram://memory/{id}");
      const { resources } = await client.listResources();
      const one = resources.find((r) => r.uri.startsWith("engram://memory/"))!;
      const id = Number(one.uri.split("/").pop());
      const read = await client.readResource({ uri: one.uri });
      expect(JSON.parse(resourceText(read))).toMatchObject({ id });
      await expect(client.readResource({ uri: "engram://memory/999999" })).rejects.toThrow(/memory not found/);
      await expect(client.readResource({ uri: "engram://memory/abc" })).rejects.toThrow(/positive integer/);
    });

    it("the engram_context prompt puts the relevant memories before the question", async () => {
      const { prompts } = await client.listPrompts();
      expect(prompts.map((p) => p.name)).toEqual(["engram_context"]);
      const p = await client.getPrompt({ name: "engram_context", arguments: { query: "which database is staging", max_tokens: "400" } });
      const text = (p.messages[0]!.content as { text: string }).text;
      expect(text).toContain("the staging database is called heron");
      expect(text.trimEnd().endsWith("which database is staging")).toBe(true);
    });
  });

  it("ENGRAM_MCP_BEARER_TOKEN wins over ENGRAM_API_KEY and decides whose memories the tools see", async () => {
    const bob = await connectStdio({ ENGRAM_URL: server.url, ENGRAM_MCP_BEARER_TOKEN: bobKey, ENGRAM_API_KEY: adminKey });
    try {
      const stored = await ok(bob.client, "memory_store", { content: "bob keeps his bike in the basement" });
      expect((await api(server.url, bobKey).get(`/memory/${stored.id}`)).status).toBe(200);
      expect((await admin().get(`/memory/${stored.id}`)).status).toBe(404);
      // The admin's memories are not bob's: another tenant's id reads as missing.
      const adminsOwn = (await admin().get("/list?limit=1")).body.results[0].id as number;
      expect(await toolError(bob.client, "memory_get", { id: adminsOwn })).toBe("engram-server answered 404: memory not found");
      expect((await ok(bob.client, "memory_search", { query: "deploy window" })).results).toEqual([]);
    } finally {
      await bob.close();
    }
  });

  it("without a key, the server's 401 comes back as a tool error", async () => {
    const anon = await connectStdio({ ENGRAM_URL: server.url });
    try {
      expect(await toolError(anon.client, "memory_list", {})).toMatch(/^engram-server answered 401: /);
    } finally {
      await anon.close();
    }
  });
});

describe("engram-mcp when engram-server is down", () => {
  it("still starts and lists its tools; every call is a tool error naming the URL", async () => {
    const down = await startServer(NO_EMBEDDINGS);
    await down.stop();
    const mcp = await connectStdio({ ENGRAM_URL: down.url, ENGRAM_API_KEY: "engram_00000000000000000000000000000000" });
    try {
      expect((await mcp.client.listTools()).tools.length).toBe(DEFAULT_TOOLS.length);
      expect(await toolError(mcp.client, "memory_search", { query: "anything" })).toBe(`cannot reach engram-server at ${down.url}: ECONNREFUSED`);
      expect(await toolError(mcp.client, "memory_store", { content: "lost" })).toBe(`cannot reach engram-server at ${down.url}: ECONNREFUSED`);
      await expect(mcp.client.readResource({ uri: "engram://memories/recent" })).rejects.toThrow(/cannot reach engram-server/);
      await expect.poll(() => mcp.stderr()).toContain(`engram-mcp: warning: cannot reach engram-server at ${down.url}: ECONNREFUSED`);
    } finally {
      await mcp.close();
    }
  });
});

describe("engram-mcp command line", () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [MCP_BIN, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr }),
      );
    });

  it("--help prints the usage and the environment it reads", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: engram-mcp \[--http \[--port N\] \[--host ADDR\]\]/);
    expect(r.stdout).toContain("ENGRAM_MCP_BEARER_TOKEN");
  });

  it("a bad flag or value is exit 2 with the reason", async () => {
    const unknown = await run(["--bogus"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^engram-mcp: Unknown option '--bogus'/);
    expect((await run(["--http", "--port", "99999"])).stderr).toMatch(/^engram-mcp: --port must be an integer from 0 to 65535, got "99999"/);
    expect((await run(["--port", "4000"])).stderr).toMatch(/^engram-mcp: --port and --host only apply with --http/);
  });

  it("a malformed ENGRAM_URL is exit 1 and says so", async () => {
    const r = await run([], { ENGRAM_URL: "localhost:4200" });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('engram-mcp: invalid engram-server URL "localhost:4200": only http and https are supported\n');
  });
});
