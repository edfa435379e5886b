import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb } from "@engram/core";
import { startServer, type RunningServer } from "../../../test/support/server.js";
import { newTenant, twoTenants, type Client } from "../../../test/support/tenants.js";

/**
 * Reflections and growth over HTTP (contracts/intelligence.md §5.4), with no LLM configured:
 * every path answers from its rules, and growth, which has none, says so.
 */

let server: RunningServer;
let alice: Client;
let bob: Client;
let carol: Client;
let bobMemory: number;

async function store(c: Client, content: string, extra: Record<string, unknown> = {}): Promise<number> {
  const res = await c.post("/store", { content, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as number;
}

/** Moves memories' creation back in the database file: the server's clock cannot be moved from outside. */
function ageInDb(ids: number[], days: number): void {
  const db = openDb({ path: server.dbPath });
  try {
    const at = new Date(Date.now() - days * 86_400_000).toISOString();
    for (const id of ids) db.sqlite.prepare("UPDATE memories SET created_at = ? WHERE id = ?").run(at, id);
  } finally {
    db.close();
  }
}

const reflectionKeys = ["confidence", "content", "created_at", "id", "period_end", "period_start", "reflection_type", "source_memory_ids", "themes", "user_id"];

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
  const t = await twoTenants(server.url);
  alice = t.alice.api;
  bob = t.bob.api;
  carol = (await newTenant(server.url, t.admin, "carol")).api;
  bobMemory = await store(bob, "Bob's reading list starts with Dune");
});
afterAll(() => server.stop());

describe("POST /reflections and GET /reflections (and their aliases)", () => {
  it("stores a reflection with defaults and lists it newest first, per tenant and by type", async () => {
    const m = await store(alice, "Shipped the search rewrite on Tuesday");
    const res = await alice.post("/reflections", { content: "Shipping on Tuesdays goes well", source_memory_ids: [m] });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(reflectionKeys);
    expect(res.body).toMatchObject({ reflection_type: "general", confidence: 1, themes: [], source_memory_ids: [m], period_start: null });
    const alias = await alice.post("/intelligence/reflections", { content: "Pairing sessions help", reflection_type: "lesson", confidence: 0.6 });
    expect(alias.status).toBe(201);
    const list = (await alice.get("/reflections")).body.reflections;
    expect(list.map((r: { id: number }) => r.id).slice(0, 2)).toEqual([alias.body.id, res.body.id]);
    expect((await alice.get("/intelligence/reflections?type=lesson")).body.reflections.map((r: { id: number }) => r.id)).toEqual([alias.body.id]);
    expect((await bob.get("/reflections")).body.reflections).toEqual([]);
  });

  it("refuses bad input naming the field, and another tenant's memory as a 404", async () => {
    for (const [body, field] of [
      [{}, "content"],
      [{ content: "   " }, "content"],
      [{ content: "x", confidence: 2 }, "confidence"],
      [{ content: "x", source_memory_ids: ["a"] }, "source_memory_ids"],
      [{ content: "x", reflection_type: "t".repeat(51) }, "reflection_type"],
    ] as const) {
      const res = await alice.post("/reflections", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.startsWith(field)).toBe(true);
    }
    expect((await alice.get("/reflections?limit=0")).body.error).toMatch(/^limit: /);
    const foreign = await alice.post("/reflections", { content: "peeking", source_memory_ids: [bobMemory] });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error).toContain(String(bobMemory));
    expect(JSON.stringify((await alice.get("/reflections")).body)).not.toContain("peeking");
  });
});

describe("POST /reflect", () => {
  it("with content, stores it like POST /reflections", async () => {
    const res = await alice.post("/reflect", { content: "Mornings are for deep work" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ content: "Mornings are for deep work", reflection_type: "general" });
  });

  it("without content, reflects on the period's memories by rules", async () => {
    await store(alice, "Kubernetes upgrade of the staging cluster planned", { category: "ops", tags: ["kubernetes"], importance: 9 });
    await store(alice, "Kubernetes node pool resized for staging", { category: "ops", tags: ["kubernetes"] });
    const res = await alice.post("/reflect", { period: "week" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ reflection_type: "period", method: "rules" });
    expect(res.body.themes[0]).toBe("kubernetes");
    expect(res.body.themes.length).toBeLessThanOrEqual(5);
    expect(res.body.content).toMatch(/^\d+ memories this week; mostly ops/);
    expect(res.body.content).toContain("most important: Kubernetes upgrade of the staging cluster planned");
    expect(Date.parse(res.body.period_end) - Date.parse(res.body.period_start)).toBe(7 * 86_400_000);
    expect(res.body.source_memory_ids).not.toContain(bobMemory);
  });

  it("a period with no memories says so; a bad period is a 400", async () => {
    const empty = await carol.post("/reflect");
    expect(empty.status).toBe(201);
    expect(empty.body).toMatchObject({ content: "No memories in this period.", themes: [], source_memory_ids: [], method: "rules" });
    const res = await bob.post("/reflect", { period: "day" });
    expect(res.body.content).toMatch(/^1 memory today; mostly general; recurring: .*; most important: Bob's reading list starts with Dune$/);
    expect(res.body.source_memory_ids).toEqual([bobMemory]);
    expect((await alice.post("/reflect", { period: "year" })).body.error).toMatch(/^period: /);
  });
});

describe("POST /reflections/generate (and its alias)", () => {
  it("proposes by importance bucket for important memories not recalled for a week, once each", async () => {
    const high = await store(alice, "The disaster recovery runbook lives in the ops vault", { category: "ops", importance: 9 });
    const mid = await store(alice, "Quarterly access review is owned by the security team", { category: "policy", importance: 6 });
    const low = await store(alice, "The office plants are watered on Mondays", { importance: 3 });
    const recent = await store(alice, "The new VPN client rolls out next month", { importance: 9 });
    ageInDb([high, mid, low], 10);
    const res = await alice.post("/reflections/generate?limit=10");
    expect(res.status).toBe(200);
    const bySource = new Map(res.body.reflections.map((r: { source_memory_ids: number[] }) => [r.source_memory_ids[0], r]));
    expect(bySource.get(high)).toMatchObject({
      reflection_type: "reconsolidate",
      method: "rules",
      confidence: 0.9,
      content: "[reconsolidate] unused ops memory (importance 9): The disaster recovery runbook lives in the ops vault",
    });
    expect(bySource.get(mid)).toMatchObject({ reflection_type: "enrich", confidence: 0.6 });
    expect(bySource.has(low)).toBe(false);
    expect(bySource.has(recent)).toBe(false);
    expect(res.body.count).toBe(res.body.reflections.length);
    // Already proposed: a second call finds nothing new.
    expect((await alice.post("/intelligence/reflections/generate")).body.count).toBe(0);
    expect((await bob.post("/reflections/generate")).body.count).toBe(0);
    expect((await alice.post("/reflections/generate?limit=101")).body.error).toMatch(/^limit: /);
  });

  it("leaves out a memory that was recalled", async () => {
    const used = await store(alice, "Zephyr cluster credentials rotate every ninety days", { importance: 8 });
    await alice.post("/recall", { query: "Zephyr cluster credentials" });
    ageInDb([used], 10);
    const res = await alice.post("/reflections/generate");
    expect(res.body.reflections.flatMap((r: { source_memory_ids: number[] }) => r.source_memory_ids)).not.toContain(used);
  });
});

describe("growth without an LLM", () => {
  it("POST /growth/reflect stores nothing and says the LLM is unavailable", async () => {
    const res = await alice.post("/growth/reflect", { service: "claude-code", context: ["The user asked for smaller commits twice"] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ observation: null, stored_memory_id: null, reflection_id: null, reason: "llm_unavailable" });
    expect((await alice.get("/growth/observations")).body).toEqual({ observations: [], count: 0 });
  });

  it("validates the body naming the field", async () => {
    expect((await alice.post("/growth/reflect", { service: "x", context: [] })).body.error).toMatch(/^context: /);
    expect((await alice.post("/growth/reflect", { context: ["a"] })).body.error).toMatch(/^service: /);
    expect((await alice.post("/growth/reflect", { service: "x", context: ["a".repeat(10_001)] })).body.error).toMatch(/^context/);
    expect((await alice.get("/growth/observations?limit=101")).body.error).toMatch(/^limit: /);
  });

  it("POST /growth/materialize is a 404 for a memory that is not a growth observation, or not the caller's", async () => {
    const plain = await store(alice, "Not an observation at all");
    expect((await alice.post("/growth/materialize", { observation_id: plain })).status).toBe(404);
    expect((await alice.post("/growth/materialize", { observation_id: bobMemory })).status).toBe(404);
    expect((await alice.post("/growth/materialize", {})).body.error).toMatch(/^observation_id: /);
  });
});
