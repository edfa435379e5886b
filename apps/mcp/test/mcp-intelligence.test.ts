import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, type RunningServer } from "../../../test/support/server.js";
import { newTenant } from "../../../test/support/tenants.js";
import { connectStdio, ok, toolError, type StdioSession } from "./mcp-process.js";

/**
 * The intelligence and context toolsets (contracts/mcp.md §2.2, §2.4) through the built
 * engram-mcp over stdio, driven by the official SDK client, against a real engram-server. What a
 * tool did is checked through the HTTP API; another tenant's ids fail as the server says.
 */

let server: RunningServer;
let aliceKey: string;
let bobId: number;
let bobKey: string;
let mcp: StdioSession;
const alice = () => api(server.url, aliceKey);

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const store = async (content: string) => (await alice().post("/store", { content })).body.id as number;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
  aliceKey = await bootstrap(server.url);
  const bob = await newTenant(server.url, alice(), "bob");
  bobKey = bob.key;
  bobId = (await api(server.url, bob.key).post("/store", { content: "Bob's own note about the staging cluster" })).body.id;
  mcp = await connectStdio({ ENGRAM_URL: server.url, ENGRAM_API_KEY: aliceKey, ENGRAM_MCP_TOOLSETS: "intelligence,context" });
});
afterAll(async () => {
  await mcp?.close();
  await server?.stop();
});

describe("intelligence tools", () => {
  it("extract_facts reads a stored memory, or stores new text first; exactly one of the two", async () => {
    const id = await store("I live in Lisbon and I work at Globex.");
    const byId = await ok(mcp.client, "intelligence_extract_facts", { memory_id: id });
    expect(byId).toMatchObject({ memory_id: id, method: "rules" });
    expect(byId.fact_ids.length).toBeGreaterThan(0);
    const byText = await ok(mcp.client, "intelligence.extract_facts", { content: "I moved to Porto last week." });
    expect((await alice().get(`/memory/${byText.memory_id}`)).status).toBe(200);
    expect(await toolError(mcp.client, "intelligence_extract_facts", {})).toBe("give exactly one of memory_id and content");
  });

  it("detect_contradictions lists the pairs of all facts, or of one memory", async () => {
    const a = await store("I work as a nurse.");
    const b = await store("I work as a pilot.");
    await until("the contradiction", async () => ((await alice().get(`/contradictions/${b}`)).body.count > 0 ? true : undefined));
    const all = await ok(mcp.client, "intelligence_detect_contradictions", {});
    expect(all.contradictions.some((c: { memory_a: number; memory_b: number }) => c.memory_a === a && c.memory_b === b)).toBe(true);
    const one = await ok(mcp.client, "intelligence_detect_contradictions", { memory_id: b });
    expect(one.count).toBe(1);
    expect(await toolError(mcp.client, "intelligence_detect_contradictions", { memory_id: bobId })).toMatch(/^engram-server answered 404: /);
  });

  it("decompose splits a long memory into child facts once", async () => {
    const id = await store("The billing service runs on host vega at port 8081; its database is db-prod-3 and the backups run nightly at 02:00.");
    const first = await ok(mcp.client, "intelligence_decompose", { memory_id: id });
    expect(first.child_ids.length).toBeGreaterThan(1);
    expect((await ok(mcp.client, "intelligence.decompose", { memory_id: id })).child_ids).toEqual(first.child_ids);
  });

  it("consolidate merges memories, keeps the sources, and refuses a repeated id before any call", async () => {
    const x = await store("The deploy window is Tuesday at 14:00 UTC.");
    const y = await store("Deploys need a second reviewer on the release PR.");
    const merged = await ok(mcp.client, "intelligence_consolidate", { memory_ids: [x, y] });
    expect(merged.content).toContain("Tuesday");
    expect((await alice().get(`/memory/${x}`)).status).toBe(200);
    expect(await toolError(mcp.client, "intelligence_consolidate", { memory_ids: [x, x] })).toMatch(/must not repeat an id/);
    expect(await toolError(mcp.client, "intelligence_consolidate", { memory_ids: [x, bobId] })).toMatch(/^engram-server answered 404: /);
  });

  it("reflect records a reflection", async () => {
    const x = await store("The canary caught the config typo before it reached production.");
    const r = await ok(mcp.client, "intelligence_reflect", { content: "Canaries pay for themselves", reflection_type: "lesson", source_memory_ids: [x] });
    expect(r).toMatchObject({ content: "Canaries pay for themselves", reflection_type: "lesson", source_memory_ids: [x] });
    expect((await alice().get("/reflections")).body.reflections.map((f: { id: number }) => f.id)).toContain(r.id);
  });

  it("sentiment scores a text or a memory", async () => {
    expect((await ok(mcp.client, "intelligence_sentiment", { text: "I love how great and happy this release went" })).label).toBe("positive");
    const id = await store("This outage was terrible, awful and frustrating.");
    expect((await ok(mcp.client, "intelligence_sentiment", { memory_id: id })).label).toBe("negative");
    expect(await toolError(mcp.client, "intelligence_sentiment", {})).toBe("give exactly one of text and memory_id");
  });

  it("temporal_summary detects and reads patterns as {patterns, count}", async () => {
    const detected = await ok(mcp.client, "intelligence_temporal_summary", {});
    expect(detected.count).toBe(detected.patterns.length);
    const read = await ok(mcp.client, "intelligence_temporal_summary", { detect: false, limit: 5 });
    expect(read.count).toBe(read.patterns.length);
  });

  it("causal_trace records a chain with its links in order, reads it back, and names a failing link", async () => {
    const cause = await store("The certificate on the API gateway expired.");
    const effect = await store("Mobile clients failed to log in for an hour.");
    const chain = await ok(mcp.client, "intelligence_causal_trace", { root_memory_id: cause, description: "login outage", links: [{ cause_memory_id: cause, effect_memory_id: effect }] });
    expect(chain.links).toHaveLength(1);
    expect(chain.links[0]).toMatchObject({ cause_memory_id: cause, effect_memory_id: effect, order_index: 0 });
    expect((await ok(mcp.client, "intelligence_causal_trace", { chain_id: chain.id })).id).toBe(chain.id);
    const failed = await toolError(mcp.client, "intelligence_causal_trace", {
      links: [
        { cause_memory_id: cause, effect_memory_id: effect },
        { cause_memory_id: cause, effect_memory_id: bobId },
      ],
    });
    expect(failed).toMatch(/^links\.1: engram-server answered 404: .*keeps the links before it/);
  });
});

describe("context tools", () => {
  it("assemble_context passes every option through and answers with the assembled text", async () => {
    await store("Rule: the staging database is rebuilt every Sunday night.");
    const r = await ok(mcp.client, "context_assemble_context", { query: "staging database", token_budget: 500, strategy: "precision", include_linked: true });
    expect(r.token_budget).toBe(500);
    expect(r.strategy).toBe("precision");
    expect(r.context).toContain("staging database");
  });

  it("get_header is POST /header: the other models' recent work, another tenant's never; bad arguments fail before any call", async () => {
    const other = (await alice().post("/store", { content: "Migrated the staging cron jobs to systemd timers", model: "gpt-5" })).body.id as number;
    await alice().post("/store", { content: "Checked the staging backups by hand", model: "claude-opus" });
    await api(server.url, bobKey).post("/store", { content: "Bob's tuning notes for the build farm", model: "bob-model" });
    const r = await ok(mcp.client, "context_get_header", { actor_model: "claude-opus", limit: 5 });
    expect(r).toEqual((await alice().post("/header", { actor_model: "claude-opus", limit: 5 })).body);
    expect(r.prior_models).toEqual(["gpt-5"]);
    expect(r.header.prior_work[0]).toMatchObject({ id: other, model: "gpt-5", summary: "Migrated the staging cron jobs to systemd timers" });
    expect(r.text).toContain("- [gpt-5] Migrated the staging cron jobs to systemd timers");
    expect(JSON.stringify(r)).not.toContain("bob-model");
    const dotted = await ok(mcp.client, "context.get_header", {});
    expect(dotted).toMatchObject({ actor_model: "unknown", header: { actor_role: "assistant" } });
    expect(await toolError(mcp.client, "context_get_header", { limit: 31 })).toMatch(/Input validation error/);
  });

  it("generate_prompt is GET /prompt with token_budget as tokens, in each format", async () => {
    for (const format of ["raw", "anthropic", "openai", "llamaindex"] as const) {
      const r = await ok(mcp.client, "context_generate_prompt", { format, token_budget: 300, context: "staging" });
      const q = new URLSearchParams({ format, tokens: "300", context: "staging" });
      expect(r).toEqual((await alice().get(`/prompt?${q}`)).body);
      expect(r.format).toBe(format);
      expect(r.tokens_estimated).toBeLessThanOrEqual(300);
      expect(r.memories_included).toBeGreaterThan(0);
      expect(r.prompt).not.toContain("Bob's");
    }
    const dflt = await ok(mcp.client, "context.generate_prompt", {});
    expect(dflt).toMatchObject({ format: "raw" });
    expect(dflt.tokens_estimated).toBeLessThanOrEqual(4000);
    expect(await toolError(mcp.client, "context_generate_prompt", { token_budget: 99 })).toMatch(/Input validation error/);
    expect(await toolError(mcp.client, "context_generate_prompt", { format: "yaml" })).toMatch(/Input validation error/);
  });
});
