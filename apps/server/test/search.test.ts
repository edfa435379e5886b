import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, type RunningServer } from "../../../test/support/server.js";
import { newTenant } from "../../../test/support/tenants.js";

let server: RunningServer;
let c: ReturnType<typeof api>;
const ids: Record<string, number> = {};

beforeAll(async () => {
  server = await startServer();
  c = api(server.url, await bootstrap(server.url));
  const corpus = {
    backup: ["The nightly backup of the billing database runs at 02:00 on db-replica-03", "ops", ["backup"]],
    oncall: ["Alice is on call for the payments service this week", "people", ["oncall"]],
    editor: ["Bob prefers vim keybindings and a dark theme", "preference", []],
    deploy: ["Deploys to production require two approvals", "rule", ["deploy"]],
    cache: ["The Redis cache evicts keys with allkeys-lru", "ops", ["cache"]],
  } as const;
  for (const [name, [content, category, tags]] of Object.entries(corpus)) {
    ids[name] = (await c.post("/store", { content, category, tags })).body.id;
  }
});
afterAll(() => server.stop());

/** The lexical channel alone: these tests pin down FTS5 behaviour. */
const searchIds = async (body: Record<string, unknown>) =>
  ((await c.post("/search", { channels: ["fts"], ...body })).body.results as { id: number }[]).map((r) => r.id);

describe("lexical search", () => {
  it("ranks the matching memory first with the reference result shape", async () => {
    const res = await c.post("/search", { query: "When does the billing database backup run?", channels: ["fts"] });
    expect(res.status).toBe(200);
    expect(res.body.abstained).toBe(false);
    expect(res.body.results[0]).toMatchObject({ id: ids.backup, category: "ops", search_type: "fts", tags: ["backup"] });
    expect(res.body.results[0].score).toBeGreaterThan(0);
    expect(res.body.top_score).toBe(res.body.results[0].score);
  });

  it("ORs words, so a paraphrase that shares one word still finds its memory", async () => {
    expect(await searchIds({ query: "who holds the pager for payments" })).toContain(ids.oncall);
  });

  it("stems with porter (approvals ~ approval)", async () => {
    expect(await searchIds({ query: "approval needed for a deploy" })).toEqual([ids.deploy]);
  });

  it("filters by category, tags, tag and limit", async () => {
    expect(await searchIds({ query: "backup cache redis billing", category: "ops" })).toHaveLength(2);
    expect(await searchIds({ query: "backup cache redis billing", tags: ["cache"] })).toEqual([ids.cache]);
    expect(await searchIds({ query: "backup cache redis billing", tag: "BACKUP" })).toEqual([ids.backup]);
    expect(await searchIds({ query: "backup cache redis billing", limit: 1 })).toHaveLength(1);
  });

  it("abstains when nothing matches or nothing clears the threshold", async () => {
    const none = await c.post("/search", { query: "kubernetes helm chart", channels: ["fts"] });
    expect(none.body).toEqual({ results: [], abstained: true, top_score: 0 });
    // Scores are fused and scaled so the best possible evidence is 1: a threshold cuts the tail.
    const all = (await c.post("/search", { query: "backup cache redis billing", channels: ["fts"] })).body.results;
    expect(all.length).toBeGreaterThan(1);
    const high = (await c.post("/search", { query: "backup cache redis billing", channels: ["fts"], threshold: all[0].score })).body;
    expect(high.results.map((r: { id: number }) => r.id)).toEqual([all[0].id]);
    expect(high.results.every((r: { score: number }) => r.score >= all[0].score)).toBe(true);
    // A threshold above the best score leaves nothing: that is an abstention too. Importance 1
    // scales the only match below 1, so a threshold can lie above it.
    const low = (await c.post("/store", { content: "The zeppelin hangar key hangs by the door", importance: 1 })).body.id;
    const only = (await c.post("/search", { query: "zeppelin hangar", channels: ["fts"] })).body;
    expect(only.results.map((r: { id: number }) => r.id)).toEqual([low]);
    expect(only.top_score).toBeLessThan(1);
    const above = await c.post("/search", { query: "zeppelin hangar", channels: ["fts"], threshold: only.top_score + 0.001 });
    expect(above.body).toEqual({ results: [], abstained: true, top_score: 0 });
  });

  it("hides forgotten and archived memories unless asked, and old versions unless latest_only is false", async () => {
    const id = (await c.post("/store", { content: "The staging VPN uses WireGuard on port 51820" })).body.id;
    await c.post(`/memory/${id}/archive`);
    expect(await searchIds({ query: "wireguard" })).toEqual([]);
    expect(await searchIds({ query: "wireguard", include_forgotten: true })).toEqual([id]);
    await c.post(`/memory/${id}/unarchive`);
    const v2 = (await c.post(`/memory/${id}/update`, { content: "The staging VPN uses WireGuard on port 51821" })).body.id;
    expect(await searchIds({ query: "wireguard" })).toEqual([v2]);
    expect((await searchIds({ query: "wireguard", latest_only: false })).sort()).toEqual([id, v2].sort());
  });

  const hostile = [
    '"',
    '""""',
    "(((",
    "NEAR(backup billing)",
    "backup OR",
    "AND OR NOT",
    "-backup",
    "backup*",
    "*",
    "content:backup",
    "billing^2 ~backup",
    "'; DROP TABLE memories; --",
    "\u0000 null byte",
    "🙂 emoji only 🙂",
    "x".repeat(5000),
  ];
  it.each(hostile.map((q) => [q.slice(0, 30), q]))("never fails on hostile query %j", async (_label, query) => {
    const res = await c.post("/search", { query });
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body.results)).toBe(true);
  });

  it("treats operators as words, so NEAR(backup billing) finds the backup memory", async () => {
    expect(await searchIds({ query: "NEAR(backup billing)" })).toContain(ids.backup);
  });

  it.each([
    ["empty query", { query: "" }, /query/],
    ["whitespace query", { query: "   " }, /query/],
    ["missing query", {}, /query: is required/],
    ["limit 0", { query: "x", limit: 0 }, /limit/],
    ["limit 101", { query: "x", limit: 101 }, /limit/],
    ["threshold 2", { query: "x", threshold: 2 }, /threshold/],
  ])("rejects %s with a 400", async (_label, body, message) => {
    const res = await c.post("/search", body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });
});

describe("hybrid search", () => {
  it("fuses both channels by default and names the channels that ranked each result, as the reference does", async () => {
    const res = await c.post("/search", { query: "When does the billing database backup run?" });
    expect(res.body.results[0]).toMatchObject({ id: ids.backup, search_type: "hybrid", channels: ["fts", "vector"] });
    const explained = (await c.post("/search/explain", { query: "When does the billing database backup run?" })).body.results[0];
    expect(explained).toMatchObject({ id: ids.backup, channels: ["fts", "vector"], ranks: { lexical: 1 } });
    expect(explained.ranks.vector).toBeGreaterThanOrEqual(1);
  });

  it("carries each result's whole memory, as GET /memory/:id answers it, beside the flat fields", async () => {
    for (const path of ["/search", "/search/explain"]) {
      const results = (await c.post(path, { query: "billing database backup", latest_only: false })).body.results;
      expect(results.length).toBeGreaterThan(0);
      for (const r of results) {
        // Read before the search's implicit review: only the FSRS and access fields may move on.
        const { fsrs_stability, fsrs_difficulty, fsrs_retrieval_strength, fsrs_storage_strength, fsrs_reps, fsrs_last_review_at, access_count, last_accessed_at, ...stable } = (await c.get(`/memory/${r.id}`)).body;
        expect(r.memory).toMatchObject(stable);
        expect(Object.keys(r.memory).sort()).toEqual(Object.keys((await c.get(`/memory/${r.id}`)).body).sort());
        expect(r).toMatchObject({ content: r.memory.content, category: r.memory.category, importance: r.memory.importance, tags: r.memory.tags });
      }
    }
  });

  it("finds a paraphrase that shares no word with its memory through the vector channel", async () => {
    const id = (await c.post("/store", { content: "The database server is down" })).body.id;
    const query = "The DB host crashed";
    expect(await searchIds({ query })).not.toContain(id);
    const res = await c.post("/search", { query, limit: 3 });
    expect(res.body.results.map((r: { id: number }) => r.id)).toContain(id);
    const vectorOnly = await c.post("/search", { query, limit: 3, channels: ["vector"] });
    expect(vectorOnly.body.results[0]).toMatchObject({ id, search_type: "vector" });
  });

  it("abstains when no channel has evidence", async () => {
    const res = await c.post("/search", { query: "what's the weather like" });
    expect(res.body).toMatchObject({ results: [], abstained: true });
  });

  it("applies status filters to vector hits too", async () => {
    const id = (await c.post("/store", { content: "Our espresso machine in the kitchen needs descaling monthly" })).body.id;
    const query = "coffee maker maintenance";
    expect((await c.post("/search", { query, channels: ["vector"] })).body.results.map((r: { id: number }) => r.id)).toContain(id);
    await c.post(`/memory/${id}/forget`);
    expect((await c.post("/search", { query, channels: ["vector"] })).body.results.map((r: { id: number }) => r.id)).not.toContain(id);
  });
});

describe("explain and the search cache", () => {
  it("explains each result's channel ranks, scores and the stage timings", async () => {
    const res = await c.post("/search/explain", { query: "When does the billing database backup run?" });
    expect(res.status).toBe(200);
    const top = res.body.results[0];
    expect(top).toMatchObject({ id: ids.backup, ranks: { lexical: 1 }, scores: { graph: null, reranked: null } });
    // The learned ranker ran: the final score is its probability times the factors, and it
    // says which features moved it most.
    const factors = Object.values(top.factors as Record<string, number>).reduce((a, b) => a * b, 1);
    expect(res.body.pipeline.ranker_applied).toBe(true);
    expect(top.score).toBeCloseTo(Math.min(1, top.ranker.probability * factors), 5);
    expect(Object.keys(top.ranker.features)).toHaveLength(16);
    expect(top.ranker.top_contributions).toHaveLength(3);
    expect(top.scores.fused).toBeGreaterThan(0);
    expect(top.scores.lexical).toBeGreaterThan(0);
    expect(top.scores.vector).toBeGreaterThan(0.2);
    expect(res.body.pipeline).toMatchObject({ embedded: true, reranker_applied: false, question_type: "temporal" });
    expect(res.body.pipeline.channels).toEqual(expect.arrayContaining(["fts", "vector"]));
    expect(res.body.timings_ms.total).toBeGreaterThanOrEqual(res.body.timings_ms.hybrid);
    const plain = await c.post("/search", { query: "When does the billing database backup run?" });
    expect(plain.body.results.map((r: { id: number }) => r.id)).toEqual(res.body.results.map((r: { id: number }) => r.id));
  });

  it("serves a repeated search from the tenant's cache until that tenant writes", async () => {
    const body = { query: "redis eviction policy for keys", limit: 5 };
    await c.post("/search/explain", body);
    const again = await c.post("/search/explain", body);
    expect(again.body.cached).toBe(true);
    const id = (await c.post("/store", { content: "Redis eviction switched to volatile-lru for session keys" })).body.id;
    const fresh = await c.post("/search/explain", body);
    expect(fresh.body.cached).toBe(false);
    expect(fresh.body.results.map((r: { id: number }) => r.id)).toContain(id);
    await c.post(`/memory/${id}/archive`);
    const afterArchive = await c.post("/search/explain", body);
    expect(afterArchive.body.cached).toBe(false);
    expect(afterArchive.body.results.map((r: { id: number }) => r.id)).not.toContain(id);
  });

  it("never shares cached results between tenants", async () => {
    const body = { query: "redis cache evicts keys", limit: 5 };
    expect((await c.post("/search", body)).body.results.length).toBeGreaterThan(0);
    const otherClient = (await newTenant(server.url, c, "cache-probe")).api;
    const res = await otherClient.post("/search/explain", body);
    expect(res.body).toMatchObject({ results: [], abstained: true, cached: false });
  });
});

describe("recall", () => {
  it("returns matching memories and counts each as accessed", async () => {
    const before = (await c.get(`/memory/${ids.editor}`)).body.access_count;
    const res = await c.post("/recall", { query: "vim keybindings" });
    expect(res.body.memories[0].id).toBe(ids.editor);
    expect(res.body.memories[0].access_count).toBe(before + 1);
    expect(res.body.memories[0].last_accessed_at).toBeTruthy();
  });

  it("accepts context instead of query, and falls back to important recent memories", async () => {
    const byContext = await c.post("/recall", { context: "the redis cache policy" });
    expect(byContext.body.memories[0].id).toBe(ids.cache);
    const fallback = await c.post("/recall", { limit: 3 });
    expect(fallback.body.memories).toHaveLength(3);
  });
});
