import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb } from "@engram/core";
import { startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants, type Client } from "../../../test/support/tenants.js";

/**
 * Correction and maintenance over HTTP (contracts/intelligence.md §5.3), rules-only (no LLM):
 * shapes, bad input, tenancy, and the guarantee that none of these routes deletes a memory.
 * Without embeddings the graph links memories by word overlap, so two notes with the same
 * content words in other forms are a near-duplicate pair that SimHash does not catch.
 */

let server: RunningServer;
let alice: Client;
let bob: Client;
let bobMemory: number;
/** Every memory id this file saw written (stores, corrections, consolidations). */
const created: number[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function store(c: Client, content: string, extra: Record<string, unknown> = {}): Promise<number> {
  const res = await c.post("/store", { content, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  created.push(res.body.id as number);
  return res.body.id as number;
}

/** Waits for the auto_link job to join a and b with a similarity link. */
async function similar(c: Client, a: number, b: number): Promise<void> {
  for (;;) {
    const links = (await c.get(`/links/${a}`)).body.links as { source_id: number; target_id: number; type: string }[];
    if (links.some((l) => l.type === "similarity" && (l.source_id === b || l.target_id === b))) return;
    await sleep(50);
  }
}

/** Every memory row id of the database file, whatever its state. */
function rowIds(): Set<number> {
  const db = openDb({ path: server.dbPath });
  try {
    return new Set((db.sqlite.prepare("SELECT id FROM memories").all() as { id: number }[]).map((r) => r.id));
  } finally {
    db.close();
  }
}

const idsOf = (res: { body: { results?: { memory?: { id: number }; id?: number }[] } }) =>
  (res.body.results ?? []).map((r) => r.memory?.id ?? r.id);

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_JOB_POLL_MS: "50" });
  const t = await twoTenants(server.url);
  alice = t.alice.api;
  bob = t.bob.api;
  bobMemory = await store(bob, "Bob keeps the payroll export on the finance share");
});
afterAll(() => server.stop());

describe("POST /correct", () => {
  it("writes a new memory with the old one's fields and supersedes the old one without deleting it", async () => {
    const old = await store(alice, "The VPN gateway of the Lisbon office is 10.8.0.1", { category: "network", tags: ["vpn"], importance: 7, is_static: true });
    const res = await alice.post("/correct", { memory_id: old, content: "The VPN gateway of the Lisbon office is 10.8.0.254", reason: "typo in the address" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ content: "The VPN gateway of the Lisbon office is 10.8.0.254", category: "network", tags: ["vpn"], importance: 7, is_static: true });
    const fresh = res.body.id as number;
    created.push(fresh);
    expect(fresh).not.toBe(old);

    // The old one is readable by id, linked from the new one, and gone from search, recall and listings.
    expect((await alice.get(`/memory/${old}`)).status).toBe(200);
    const links = (await alice.get(`/links/${fresh}`)).body.links;
    expect(links).toContainEqual(expect.objectContaining({ source_id: fresh, target_id: old, type: "supersedes" }));
    const search = await alice.post("/search", { query: "VPN gateway Lisbon office" });
    expect(idsOf(search)).toContain(fresh);
    expect(idsOf(search)).not.toContain(old);
    const recalled = (await alice.post("/recall", { limit: 100 })).body.memories.map((m: { id: number }) => m.id);
    expect(recalled).toContain(fresh);
    expect(recalled).not.toContain(old);
    const listed = (await alice.get("/list?limit=1000")).body.results.map((m: { id: number }) => m.id);
    expect(listed).toContain(fresh);
    expect(listed).not.toContain(old);
    const context = await alice.post("/context", { query: "VPN gateway Lisbon" });
    expect(context.status).toBe(200);
    expect(JSON.stringify(context.body)).toContain("10.8.0.254");
    expect(JSON.stringify(context.body)).not.toMatch(/10\.8\.0\.1(?![0-9])/);
  });

  it("answers 409 for a memory already superseded", async () => {
    const old = await store(alice, "The standup moved to the Orion meeting room");
    expect((await alice.post("/correct", { memory_id: old, content: "The standup moved to the Vega meeting room" })).status).toBe(201);
    const again = await alice.post("/correct", { memory_id: old, content: "The standup moved to the Lyra meeting room" });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/superseded/);
  });

  it("corrects to a text close to the old one: the old one does not swallow it as a duplicate", async () => {
    const old = await store(alice, "Quarterly planning happens in the big conference room upstairs");
    const res = await alice.post("/correct", { memory_id: old, content: "Quarterly planning happens in the big conference room downstairs" });
    expect(res.status).toBe(201);
    expect(res.body.id).not.toBe(old);
  });

  it("treats another tenant's memory as missing, and names the bad field", async () => {
    expect((await alice.post("/correct", { memory_id: bobMemory, content: "hijacked" })).status).toBe(404);
    expect((await bob.get(`/memory/${bobMemory}`)).body.content).toBe("Bob keeps the payroll export on the finance share");
    const missing = await alice.post("/correct", { content: "no id" });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatch(/^memory_id: /);
    const empty = await alice.post("/correct", { memory_id: 1, content: "" });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatch(/^content: /);
  });
});

describe("duplicates and deduplication", () => {
  let keeper: number;
  let lesser: number;

  beforeAll(async () => {
    keeper = await store(alice, "Grafana dashboards show the payment latency graphs", { importance: 8 });
    lesser = await store(alice, "The Grafana dashboard shows payment latency graph", { importance: 4 });
    await similar(alice, keeper, lesser);
  });

  it("GET /duplicates lists the pair with both sides", async () => {
    const res = await alice.get("/duplicates?threshold=0.9");
    expect(res.status).toBe(200);
    const pair = res.body.duplicates.find((d: { id_a: number; id_b: number }) => [d.id_a, d.id_b].sort().join() === [keeper, lesser].sort().join());
    expect(pair).toMatchObject({ similarity: expect.any(Number) });
    expect(pair.similarity).toBeGreaterThanOrEqual(0.9);
    expect(res.body.count).toBe(res.body.duplicates.length);
    expect((await alice.get("/duplicates?threshold=2")).status).toBe(400);
    expect((await alice.get("/duplicates?limit=0")).body.error).toMatch(/^limit: /);
    // Bob sees none of Alice's pairs.
    expect(JSON.stringify((await bob.get("/duplicates?threshold=0")).body)).not.toContain("Grafana");
  });

  it("POST /deduplicate is a dry run by default, then supersedes the lesser memory and keeps the other", async () => {
    const dry = await alice.post("/deduplicate", { threshold: 0.9 });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dry_run: true, merged: 0 });
    expect(dry.body.superseded_ids).toContain(lesser);
    expect(idsOf(await alice.post("/search", { query: "Grafana payment latency" }))).toContain(lesser);

    const bobBefore = (await bob.post("/deduplicate", { threshold: 0, dry_run: false })).body;
    expect(bobBefore.superseded_ids).not.toContain(lesser);

    const real = await alice.post("/deduplicate", { threshold: 0.9, dry_run: false });
    expect(real.body).toMatchObject({ dry_run: false });
    expect(real.body.superseded_ids).toContain(lesser);
    expect(real.body.superseded_ids).not.toContain(keeper);
    expect(real.body.merged).toBe(real.body.superseded_ids.length);
    const links = (await alice.get(`/links/${keeper}`)).body.links;
    expect(links).toContainEqual(expect.objectContaining({ source_id: keeper, target_id: lesser, type: "supersedes" }));
    expect((await alice.get(`/memory/${lesser}`)).status).toBe(200);
    const found = idsOf(await alice.post("/search", { query: "Grafana payment latency" }));
    expect(found).toContain(keeper);
    expect(found).not.toContain(lesser);
    expect((await alice.post("/deduplicate", { dry_run: "yes" })).body.error).toMatch(/^dry_run: /);
  });
});

describe("consolidation", () => {
  let a: number;
  let b: number;

  beforeAll(async () => {
    a = await store(alice, "Alice deploys billing services using Terraform scripts", { category: "ops", importance: 6, tags: ["billing"] });
    b = await store(alice, "Alice deployed the billing service using Terraform script", { importance: 9, tags: ["terraform"] });
    await similar(alice, a, b);
  });

  it("POST /intelligence/consolidation-candidates groups similar live memories (read scope)", async () => {
    const res = await alice.post("/intelligence/consolidation-candidates", { threshold: 0.9 });
    expect(res.status).toBe(200);
    expect(res.body.groups).toContainEqual([a, b].sort((x, y) => x - y));
    expect((await alice.post("/intelligence/consolidation-candidates", { threshold: -1 })).body.error).toMatch(/^threshold: /);
    expect((await bob.post("/intelligence/consolidation-candidates", { threshold: 0 })).body.groups).toEqual([]);
  });

  it("POST /consolidate writes a bullet merge through the store path; the sources stay searchable", async () => {
    const res = await alice.post("/consolidate", { memory_ids: [a, b] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      method: "rules",
      category: "ops",
      source: "consolidation",
      importance: 9,
      source_count: 2,
      is_static: false,
      content: "[Consolidated: Alice deploys billing services using]\n- Alice deploys billing services using Terraform scripts\n- Alice deployed the billing service using Terraform script",
    });
    expect(res.body.tags.sort()).toEqual(["billing", "terraform"]);
    const merged = res.body.id as number;
    created.push(merged);
    const links = (await alice.get(`/links/${merged}`)).body.links;
    for (const s of [a, b]) expect(links).toContainEqual(expect.objectContaining({ source_id: merged, target_id: s, type: "consolidates" }));
    const found = idsOf(await alice.post("/search", { query: "billing Terraform deploy" }));
    expect(found).toEqual(expect.arrayContaining([merged, a, b]));

    const list = await alice.get("/intelligence/consolidations");
    expect(list.body.consolidations[0]).toMatchObject({ result_memory_id: merged, source_ids: [a, b], summary: res.body.content });
    expect((await bob.get("/intelligence/consolidations")).body.consolidations).toEqual([]);
    // Consolidated memories are not candidates again.
    expect((await alice.post("/intelligence/consolidation-candidates", { threshold: 0.9 })).body.groups.flat()).not.toContain(a);
  });

  it("the alias answers the same way; bad id lists are 400 naming memory_ids, another tenant's id a 404", async () => {
    const c = await store(alice, "The on-call rota lives in the ops wiki");
    const d = await store(alice, "Pager escalations go to the secondary after ten minutes");
    expect((await alice.post("/intelligence/consolidate", { memory_ids: [c, d] })).status).toBe(201);
    for (const body of [{ memory_ids: [c] }, { memory_ids: [c, c] }, { memory_ids: [c, "x"] }, { memory_ids: "1,2" }, {}]) {
      const res = await alice.post("/consolidate", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatch(/^memory_ids/);
    }
    const foreign = await alice.post("/consolidate", { memory_ids: [c, bobMemory] });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error).toContain(String(bobMemory));
    expect((await bob.get(`/links/${bobMemory}`)).body.links).toEqual([]);
  });
});

describe("POST /sweep", () => {
  it("runs the TTL pass and the consolidation sweep, for the caller only", async () => {
    const x = await store(alice, "Rotate the staging database credentials monthly");
    const y = await store(alice, "Rotating staging database credential monthly");
    await similar(alice, x, y);
    const res = await alice.post("/sweep", { threshold: 0.9 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ swept: 0, forgotten: 0, ids: [] });
    expect(res.body.consolidated).toBeGreaterThanOrEqual(1);
    expect(res.body.pairs_found).toBeGreaterThanOrEqual(1);
    const list = (await alice.get("/intelligence/consolidations")).body.consolidations;
    expect(list.some((r: { source_ids: number[] }) => r.source_ids.includes(x) && r.source_ids.includes(y))).toBe(true);
    // A second sweep finds nothing new to merge.
    expect((await alice.post("/sweep", { threshold: 0.9 })).body.consolidated).toBe(0);
    expect((await alice.post("/sweep", { threshold: "high" })).body.error).toMatch(/^threshold: /);
  });
});

describe("feedback", () => {
  it("moves importance within 1..10, records the rating, and counts by kind", async () => {
    const id = await store(alice, "The coffee machine on floor three needs descaling", { importance: 2 });
    const r1 = await alice.post("/feedback", { memory_id: id, rating: "outdated" });
    expect(r1.status).toBe(201);
    expect(r1.body).toEqual({ ok: true, importance: 1 });
    expect((await alice.post("/feedback", { memory_id: id, rating: "helpful", context: "asked about the kitchen" })).body.importance).toBe(2);
    expect((await alice.post("/feedback", { memory_id: id, rating: "off-topic" })).body.importance).toBe(1);
    const before = (await alice.get(`/memory/${id}`)).body;
    expect(before.fsrs_reps).toBe(1);
    const stats = (await alice.get("/feedback/stats")).body;
    expect(stats).toMatchObject({ helpful: 1, off_topic: 1, outdated: 1 });
    expect(stats.total).toBe(stats.helpful + stats.irrelevant + stats.off_topic + stats.outdated);
    expect((await bob.get("/feedback/stats")).body).toEqual({ helpful: 0, irrelevant: 0, off_topic: 0, outdated: 0, total: 0 });
    const bad = await alice.post("/feedback", { memory_id: id, rating: "great" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^rating: /);
    expect((await alice.post("/feedback", { memory_id: bobMemory, rating: "helpful" })).status).toBe(404);
    expect((await bob.get(`/memory/${bobMemory}`)).body.importance).toBe(5);
  });

  it("later searches rank by it: the rating moves the importance factor of the memory's search score", async () => {
    const id = await store(alice, "Kestrel release checklist: tag the build, then sign it");
    const hit = async () => {
      const res = await alice.post("/search/explain", { query: "Kestrel release checklist" });
      return res.body.results.find((r: { id: number }) => r.id === id) as { score: number; factors: { importance: number } };
    };
    const before = await hit();
    expect(before.factors.importance).toBe(1);
    await alice.post("/feedback", { memory_id: id, rating: "outdated" });
    const after = await hit();
    expect(after.factors.importance).toBeLessThan(1);
    expect(after.score).toBeLessThan(before.score);
    await alice.post("/feedback", { memory_id: id, rating: "helpful" });
    await alice.post("/feedback", { memory_id: id, rating: "helpful" });
    await alice.post("/feedback", { memory_id: id, rating: "helpful" });
    const raised = await hit();
    expect(raised.factors.importance).toBeGreaterThan(1);
    expect(raised.score).toBeGreaterThan(after.score);
  });
});

describe("GET /memory-health", () => {
  it("counts the caller's memories only", async () => {
    const res = await alice.get("/memory-health");
    expect(res.status).toBe(200);
    expect(res.body.superseded).toBeGreaterThanOrEqual(3);
    expect(res.body.total_memories).toBeGreaterThan(res.body.superseded);
    // No embedder: every memory lacks a vector.
    expect(res.body.without_embeddings).toBe(res.body.total_memories);
    expect(res.body.embedding_coverage_pct).toBe(0);
    expect(res.body.with_links).toBeGreaterThan(0);
    const bobs = (await bob.get("/memory-health")).body;
    expect(bobs).toMatchObject({ total_memories: 1, superseded: 0, archived: 0, pending: 0 });
  });
});

describe("nothing here deletes a memory", () => {
  it("every memory written during this file is still a row in the database, superseded or consolidated or not", () => {
    const rows = rowIds();
    expect(created.length).toBeGreaterThan(15);
    expect(created.filter((id) => !rows.has(id))).toEqual([]);
    // Ids are AUTOINCREMENT: a gap below the highest would be a row deleted after it was written.
    const max = Math.max(...rows);
    const gaps = Array.from({ length: max }, (_, i) => i + 1).filter((id) => !rows.has(id));
    expect(gaps).toEqual([]);
  });
});
