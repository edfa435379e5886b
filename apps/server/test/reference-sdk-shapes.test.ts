import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { api, bootstrap, startServer, type RunningServer } from "../../../test/support/server.js";

/**
 * The reference's typed SDKs (Go, TypeScript, Python) decode search results into a fixed
 * struct: a field that is present must have the struct's type (Go's encoding/json fails the
 * whole call with "cannot unmarshal object into Go struct field SearchResult.channels of type
 * []string" otherwise), and each result's memory is read from the nested `memory` object.
 * These schemas mirror that struct as docs/API.md describes it, not the server's own schemas,
 * so a change of the wire shape that would break those SDKs fails here.
 */
const int = z.number().int();
const sdkMemory = z.object({
  id: int,
  content: z.string(),
  category: z.string(),
  source: z.string(),
  importance: int,
  tags: z.array(z.string()),
  session_id: z.string().nullable().optional(),
  space_id: int.nullable().optional(),
  version: int,
  is_latest: z.boolean(),
  parent_memory_id: int.nullable().optional(),
  root_memory_id: int.nullable().optional(),
  source_count: int,
  is_static: z.boolean(),
  is_forgotten: z.boolean(),
  is_archived: z.boolean(),
  status: z.string(),
  decay_score: z.number().nullable().optional(),
  fsrs_stability: z.number().nullable().optional(),
  fsrs_difficulty: z.number().nullable().optional(),
  fsrs_retrieval_strength: z.number().nullable().optional(),
  fsrs_storage_strength: z.number().nullable().optional(),
  created_at: z.string(),
  updated_at: z.string(),
});
const sdkSearchResult = z.object({
  id: int,
  content: z.string(),
  category: z.string(),
  source: z.string(),
  importance: int,
  created_at: z.string(),
  score: z.number(),
  tags: z.array(z.string()),
  search_type: z.string(),
  decay_score: z.number().optional(),
  question_type: z.string().optional(),
  channels: z.array(z.string()).optional(),
  memory: sdkMemory,
});
const sdkSearchResponse = z.object({ results: z.array(sdkSearchResult) });
const sdkExplainResponse = z.object({
  results: z.array(sdkSearchResult.extend({ scores: z.record(z.string(), z.number().nullable()) })),
});

let server: RunningServer;
let c: ReturnType<typeof api>;

beforeAll(async () => {
  server = await startServer();
  c = api(server.url, await bootstrap(server.url));
  for (const content of [
    "The billing database backup runs nightly at 02:00",
    "Production PostgreSQL lives at db-prod-3.internal port 5433, user app_rw",
    "Alice is on call for the payments service this week",
  ]) {
    expect((await c.post("/store", { content, category: "ops", tags: ["infra"] })).status).toBe(201);
  }
});
afterAll(() => server.stop());

describe("search results decode into the reference SDKs' SearchResult", () => {
  it("/search: channels is an array of names and memory the whole memory", async () => {
    const res = await c.post("/search", { query: "database connection info" });
    expect(res.status).toBe(200);
    const decoded = sdkSearchResponse.parse(res.body);
    expect(decoded.results.length).toBeGreaterThan(0);
    for (const r of decoded.results) {
      expect(r.memory.id).toBe(r.id);
      expect(r.memory.content).toBe(r.content);
      for (const ch of r.channels ?? []) expect(["fts", "vector", "graph", "personality", "session"]).toContain(ch);
    }
    expect(decoded.results.some((r) => r.channels?.includes("fts") && r.channels.includes("vector"))).toBe(true);
  });

  it("/search/explain decodes the same way, with its per-channel scores beside", async () => {
    const res = await c.post("/search/explain", { query: "who is on call for payments" });
    expect(res.status).toBe(200);
    const decoded = sdkExplainResponse.parse(res.body);
    expect(decoded.results[0]!.memory.content).toBe("Alice is on call for the payments service this week");
    expect(decoded.results[0]!.channels).toContain("fts");
  });

  it("/memories/search (the alias) and a single-channel search decode too", async () => {
    const alias = sdkSearchResponse.parse((await c.post("/memories/search", { query: "PostgreSQL port" })).body);
    expect(alias.results[0]!.memory.content).toMatch(/PostgreSQL/);
    const lexical = sdkSearchResponse.parse((await c.post("/search", { query: "PostgreSQL port", channels: ["fts"] })).body);
    expect(lexical.results.every((r) => JSON.stringify(r.channels) === '["fts"]')).toBe(true);
  });
});
