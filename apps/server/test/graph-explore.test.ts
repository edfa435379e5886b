import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants, type Client } from "../../../test/support/tenants.js";

/**
 * GET /graph/raw, GET /graph/view, POST /graph/search and GET /entity-relationships through
 * the server: shapes, limits, bad input and tenant isolation. Embeddings are off, so links
 * come from the lexical fallback; Alice's memories share words within a topic.
 */
const KUBE = [
  "Kubernetes cluster upgrade to version 1.29 is planned for Friday by Priya Raman",
  "Drain the Kubernetes worker nodes before the cluster upgrade, says Priya Raman",
  "The Kubernetes cluster upgrade needs a fresh etcd snapshot from Priya Raman first",
];
const BREAD = ["Sourdough bread recipe: feed the starter with flour and water", "The sourdough starter wants rye flour every morning"];

let server: RunningServer;
let alice: Client;
let bob: Client;
let aliceIds: number[] = [];
let bobIds: number[] = [];

async function settled(c: Client) {
  for (;;) {
    const stats = (await c.get("/jobs/stats")).body;
    if (stats.pending === 0 && stats.running === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_PAGERANK_ENABLED: "0", ENGRAM_JOB_POLL_MS: "50" });
  const t = await twoTenants(server.url);
  [alice, bob] = [t.alice.api, t.bob.api];
  for (const content of [...KUBE, ...BREAD]) aliceIds.push((await alice.post("/store", { content })).body.id);
  // Bob's notes are near-copies of Alice's, naming the same people: the nearest rows in the database.
  for (const content of [`${KUBE[0]}!`, `${KUBE[1]}!`]) bobIds.push((await bob.post("/store", { content })).body.id);
  await Promise.all([settled(alice), settled(bob)]);
  expect((await alice.post("/graph/communities")).status).toBe(200);
});
afterAll(() => server.stop());

const idsOf = (rows: { id: number }[]) => rows.map((r) => r.id).sort((a, b) => a - b);
const inside = (edges: { source_id: number; target_id: number }[], ids: number[]) =>
  edges.every((e) => ids.includes(e.source_id) && ids.includes(e.target_id));

describe("GET /graph/raw", () => {
  it("pages through the tenant's memories, newest first, with the links among them", async () => {
    const all = (await alice.get("/graph/raw")).body;
    expect(idsOf(all.nodes)).toEqual([...aliceIds].sort((a, b) => a - b));
    expect(all.nodes[0]).toMatchObject({ id: aliceIds.at(-1), content: BREAD[1], is_latest: true });
    expect(all.edges.length).toBeGreaterThan(0);
    expect(inside(all.edges, aliceIds)).toBe(true);
    expect(all).toMatchObject({ node_count: aliceIds.length, edge_count: all.edges.length, limit: 1000, offset: 0, truncated: false });

    const page = (await alice.get("/graph/raw?limit=2&offset=1&edge_limit=1")).body;
    expect(page.nodes.map((n: { id: number }) => n.id)).toEqual([aliceIds.at(-2), aliceIds.at(-3)]);
    expect(page.edges.length).toBeLessThanOrEqual(1);
  });

  it("never shows another tenant's memories or links", async () => {
    const raw = (await bob.get("/graph/raw")).body;
    expect(idsOf(raw.nodes)).toEqual(bobIds);
    expect(inside(raw.edges, bobIds)).toBe(true);
  });

  it("refuses bad limits, naming the field", async () => {
    for (const [query, field] of [["limit=0", "limit"], ["limit=5001", "limit"], ["offset=-1", "offset"], ["edge_limit=abc", "edge_limit"]] as const) {
      const res = await alice.get(`/graph/raw?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error, query).toMatch(new RegExp(`^${field}:`));
    }
  });
});

describe("GET /graph/view", () => {
  it("gives the central memories, their links and the communities that colour them", async () => {
    const view = (await alice.get("/graph/view")).body;
    expect(idsOf(view.nodes)).toEqual([...aliceIds].sort((a, b) => a - b));
    expect(inside(view.edges, aliceIds)).toBe(true);
    const shown = new Set(view.nodes.map((n: { community_id: number | null }) => n.community_id).filter((c: number | null) => c !== null));
    expect(shown.size).toBeGreaterThan(0);
    expect(new Set(view.communities.map((c: { id: number }) => c.id))).toEqual(shown);
    expect((await alice.get("/graph/view?limit=2")).body.nodes).toHaveLength(2);
  });

  it("is the tenant's own, and bad limits are a 400", async () => {
    const view = (await bob.get("/graph/view")).body;
    expect(idsOf(view.nodes)).toEqual(bobIds);
    expect(view.communities).toEqual([]);
    const bad = await alice.get("/graph/view?limit=2001");
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^limit:/);
  });
});

describe("POST /graph/search", () => {
  it("returns what the search found and the memories linked to it, with hop counts", async () => {
    const res = await alice.post("/graph/search", { query: "etcd snapshot", limit: 1, depth: 1 });
    expect(res.status).toBe(200);
    const seed = res.body.seeds[0].id;
    expect(seed).toBe(aliceIds[2]);
    expect(res.body.hops[seed]).toBe(0);
    const neighbours = Object.entries(res.body.hops as Record<string, number>).filter(([, h]) => h === 1).map(([id]) => Number(id));
    expect(neighbours.length).toBeGreaterThan(0);
    expect(neighbours.every((id) => aliceIds.slice(0, 3).includes(id))).toBe(true);
    expect(inside(res.body.edges, idsOf(res.body.nodes))).toBe(true);
    // depth 0: the seeds alone.
    const seedsOnly = (await alice.post("/graph/search", { query: "etcd snapshot", limit: 1, depth: 0 })).body;
    expect(idsOf(seedsOnly.nodes)).toEqual([seed]);
  });

  it("keeps to node_limit and says when it cut", async () => {
    const res = (await alice.post("/graph/search", { query: "Kubernetes cluster upgrade", limit: 1, depth: 2, node_limit: 2 })).body;
    expect(res.nodes).toHaveLength(2);
    expect(res.truncated).toBe(true);
  });

  it("searches the caller's memories only", async () => {
    const res = (await bob.post("/graph/search", { query: "Kubernetes cluster upgrade etcd snapshot", depth: 2 })).body;
    expect(idsOf(res.nodes).every((id) => bobIds.includes(id))).toBe(true);
    expect(res.seeds.every((s: { id: number }) => bobIds.includes(s.id))).toBe(true);
  });

  it("refuses bad input, naming the field, and changes nothing", async () => {
    for (const [body, field] of [
      [{ query: "  " }, "query"],
      [{}, "query"],
      [{ query: "etcd", depth: 3 }, "depth"],
      [{ query: "etcd", limit: 51 }, "limit"],
      [{ query: "etcd", node_limit: 0 }, "node_limit"],
    ] as const) {
      const res = await alice.post("/graph/search", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatch(new RegExp(`^${field}:`));
    }
  });
});

describe("GET /entity-relationships", () => {
  it("lists the tenant's entities named together, strongest first, or one entity's", async () => {
    let rels: { source: { id: number; name: string }; target: { id: number; name: string }; type: string; count: number; weight: number }[] = [];
    for (let i = 0; i < 600 && rels.length === 0; i++) {
      rels = (await alice.get("/entity-relationships")).body.relationships;
      if (rels.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(rels.length).toBeGreaterThan(0);
    expect(rels[0]!.type).toBe("co_occurs");
    for (let i = 1; i < rels.length; i++) expect(rels[i - 1]!.weight).toBeGreaterThanOrEqual(rels[i]!.weight);
    const aliceEntities = new Set(((await alice.get("/entities?limit=1000")).body.entities as { id: number }[]).map((e) => e.id));
    expect(rels.every((r) => aliceEntities.has(r.source.id) && aliceEntities.has(r.target.id))).toBe(true);

    const one = rels[0]!.source.id;
    const ofOne = (await alice.get(`/entity-relationships?entity_id=${one}&limit=5`)).body;
    expect(ofOne.relationships.length).toBeGreaterThan(0);
    expect(ofOne.relationships.length).toBeLessThanOrEqual(5);
    expect(ofOne.relationships.every((r: { source: { id: number } }) => r.source.id === one)).toBe(true);
    expect((await alice.get("/entity-relationships?limit=1")).body.relationships).toHaveLength(1);
  });

  it("never shows another tenant's entities: their id is a 404", async () => {
    const aliceEntity = ((await alice.get("/entities?limit=1")).body.entities as { id: number }[])[0]!.id;
    const res = await bob.get(`/entity-relationships?entity_id=${aliceEntity}`);
    expect(res.status).toBe(404);
    const bobEntities = new Set(((await bob.get("/entities?limit=1000")).body.entities as { id: number }[]).map((e) => e.id));
    const bobRels = (await bob.get("/entity-relationships")).body.relationships as { source: { id: number }; target: { id: number } }[];
    expect(bobRels.every((r) => bobEntities.has(r.source.id) && bobEntities.has(r.target.id))).toBe(true);
  });

  it("refuses bad input, naming the field", async () => {
    for (const [query, field] of [["entity_id=abc", "entity_id"], ["entity_id=0", "entity_id"], ["limit=0", "limit"], ["limit=1001", "limit"]] as const) {
      const res = await alice.get(`/entity-relationships?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error, query).toMatch(new RegExp(`^${field}:`));
    }
  });
});
