import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countTokens } from "@engram/core";
import { api, bootstrap, logged, startServer, tempDir, type RunningServer } from "../../../test/support/server.js";
import { newTenant } from "../../../test/support/tenants.js";
import { rerankerGraph, writeModelFolder } from "../../../packages/core/test/fixtures/tiny-models.js";

let server: RunningServer;
let c: ReturnType<typeof api>;
let otherC: ReturnType<typeof api>;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
  const admin = api(server.url, await bootstrap(server.url));
  c = admin;
  otherC = (await newTenant(server.url, admin, "other")).api;
  await c.post("/store", { content: "Never push directly to the main branch", category: "rule", is_static: true, importance: 9 });
  await c.post("/store", { content: "Prefers short commit messages in the imperative mood", category: "preference" });
  await c.post("/store", { content: "The release branch is cut every second Wednesday", session_id: "s-1" });
  await c.post("/store", { content: "Hotfixes are merged to release first, then to main", session_id: "s-1" });
  await c.post("/store", { content: "CI runs the full integration suite on every merge request" });
  await otherC.post("/store", { content: "Other tenant: push secrets to the main branch vault" });
});
afterAll(() => server.stop());

describe("POST /context", () => {
  it("assembles blocks within the budget, under any of the budget's names", async () => {
    for (const [name, budget] of [
      ["max_tokens", 40],
      ["token_budget", 120],
      ["budget", 500],
    ] as const) {
      const res = await c.post("/context", { query: "how do changes reach the main branch", [name]: budget });
      expect(res.status).toBe(200);
      expect(res.body.token_budget).toBe(budget);
      expect(res.body.token_estimate).toBeLessThanOrEqual(budget);
      expect(countTokens(res.body.context)).toBe(res.body.token_estimate);
      expect(res.body.context).not.toContain("Other tenant");
      for (const b of res.body.blocks) expect(b).toMatchObject({ id: expect.any(Number), category: expect.any(String), source: expect.any(String), tokens: expect.any(Number) });
    }
    const full = (await c.post("/context", { query: "how do changes reach the main branch" })).body;
    expect(full.token_budget).toBe(8000);
    expect(full.strategy).toBe("balanced");
    expect(full.context.startsWith("## Standing facts and rules\n- [rule] Never push directly to the main branch")).toBe(true);
    expect(Object.keys(full.breakdown).sort()).toEqual(["episode", "linked", "personality", "recent", "semantic", "static"]);
    expect(full.utilization).toBeCloseTo(full.token_estimate / 8000, 3);
  });

  it("prints a session's shared prefix once, lists every memory shown, and reports the near-duplicates it left out", async () => {
    const k = (await newTenant(server.url, c, "layout")).api;
    const turns = ["Ann: the standup moved to the big room upstairs", "Ben: the standup room upstairs has the good whiteboard"];
    const ids: number[] = [];
    for (const t of turns) ids.push((await k.post("/store", { content: `[9 May, 2023] ${t}`, session_id: "standup" })).body.id);
    const base = "The standup notes live in the team wiki under the weekly planning page for the whole quarter";
    const first = (await k.post("/store", { content: base })).body.id;
    const repeat = (await k.post("/store", { content: `${base} now` })).body.id;
    const res = await k.post("/context", { query: "standup room upstairs notes", max_tokens: 1000 });
    expect(res.status).toBe(200);
    expect(res.body.context).toContain("[general] [9 May, 2023]\n- Ann: the standup moved to the big room upstairs\n- Ben: the standup room upstairs");
    expect(res.body.context.match(/9 May, 2023/g)).toHaveLength(1);
    const shown = res.body.blocks.map((b: { id: number }) => b.id);
    expect(shown).toEqual(expect.arrayContaining(ids));
    expect(res.body.duplicates).toHaveLength(1);
    expect([first, repeat]).toContain(res.body.duplicates[0].id);
    expect(shown).toContain(res.body.duplicates[0].of);
    // Another tenant's context says nothing of them.
    expect((await otherC.post("/context", { query: "standup room upstairs notes" })).body.duplicates).toEqual([]);
  });

  it("rejects bad input with the field named, and changes nothing", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /query/],
      [{ query: "   " }, /query/],
      [{ query: "x", max_tokens: 0 }, /max_tokens/],
      [{ query: "x", budget: "lots" }, /budget/],
      [{ query: "x", strategy: "everything" }, /strategy/],
      [{ query: "x", mode: "turbo" }, /mode/],
    ];
    const snapshot = async () => (await c.get("/list?limit=1000&include_archived=true&include_forgotten=true")).body.results;
    const before = await snapshot();
    for (const [body, field] of cases) {
      const res = await c.post("/context", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatch(field);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("streams progress events and then the same result as server-sent events", async () => {
    const res = await c.raw("POST", "/context/stream", { query: "release branch schedule", budget: 300 });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const events = (res.body as string)
      .split("\n\n")
      .filter((e) => e.trim())
      .map((e) => ({ event: /event: (.*)/.exec(e)![1], data: JSON.parse(/data: (.*)/.exec(e)![1]!) }));
    expect(events.filter((e) => e.event === "progress").map((e) => e.data.stage)).toEqual(["search", "candidates", "assemble"]);
    const result = events.at(-1)!;
    expect(result.event).toBe("result");
    expect(result.data.token_estimate).toBeLessThanOrEqual(300);
    expect(result.data.context).toContain("The release branch is cut every second Wednesday");
  });

  it("needs a key with read scope", async () => {
    expect((await api(server.url).post("/context", { query: "x" })).status).toBe(401);
  });
});

describe("POST /search/explain", () => {
  it("explains every channel, factor and stage", async () => {
    const res = await c.post("/search/explain", { query: "When is the release branch cut?" });
    expect(res.status).toBe(200);
    expect(res.body.pipeline).toMatchObject({ question_type: "temporal", fusion: "score", embedded: false, reranker_applied: false });
    const top = res.body.results[0];
    expect(top.content).toBe("The release branch is cut every second Wednesday");
    expect(top.scores).toMatchObject({ lexical: expect.any(Number), vector: null, fused: expect.any(Number), reranked: null });
    expect(top.factors).toMatchObject({ decay: expect.any(Number), importance: 1, static: 1, recency: expect.any(Number), pagerank: expect.any(Number), superseded: 1 });
    expect(top.scores.temporal_boost).toBeGreaterThan(1);
    // The reply stored next to it in the same session comes through the session channel.
    const hotfix = res.body.results.find((r: { content: string }) => r.content.startsWith("Hotfixes"));
    expect(hotfix?.scores.session).toBeGreaterThan(0);
    for (const stage of ["embed", "lexical", "vector", "personality", "expansion", "fusion", "factors", "rerank", "total"]) {
      expect(res.body.timings_ms[stage]).toBeGreaterThanOrEqual(0);
    }
  });

  it("takes a question type and a fusion method, and rejects unknown ones", async () => {
    const res = await c.post("/search/explain", { query: "commit messages", question_type: "preference", fusion: "rrf" });
    expect(res.body.pipeline).toMatchObject({ question_type: "preference", fusion: "rrf" });
    expect((await c.post("/search", { query: "x", question_type: "gossip" })).status).toBe(400);
    expect((await c.post("/search", { query: "x", channels: ["telepathy"] })).status).toBe(400);
  });
});

describe("cross-encoder reranker", () => {
  it("says once in the log that it is off when no model is present", () => {
    const lines = server.logs.filter((l) => l.includes("reranker off"));
    expect(lines).toHaveLength(1);
  });

  it("reorders the top hits when a model folder is given, and reports it", async () => {
    const dir = await writeModelFolder(path.join(tempDir("engram-reranker-"), "tiny-reranker"), { graph: rerankerGraph(), modelPath: "onnx/model_quantized.onnx" });
    const s = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_RERANKER_MODEL_DIR: dir, ENGRAM_RERANKER_TOP_K: "3" });
    try {
      const k = api(s.url, await bootstrap(s.url));
      for (const content of ["database down again", "the database host crashed", "servers and database", "database backups nightly"]) {
        await k.post("/store", { content });
      }
      await logged(s, "reranker loaded");
      expect((await k.get("/health/ready")).body.checks.reranker).toBe("loaded");
      const res = await k.post("/search/explain", { query: "database down", limit: 4 });
      expect(res.body.pipeline.reranker_applied).toBe(true);
      const reranked = res.body.results.slice(0, 3).map((r: { scores: { reranked: number } }) => r.scores.reranked);
      expect(reranked.every((x: number) => x > 0 && x < 1)).toBe(true);
      expect([...reranked].sort((a, b) => b - a)).toEqual(reranked);
      expect(res.body.results[3].scores.reranked).toBeNull();
      expect(s.logs.some((l) => l.includes("reranker off"))).toBe(false);
    } finally {
      await s.stop();
    }
  });
});
