import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type RunningServer } from "../../../test/support/server.js";
import { newTenant, twoTenants } from "../../../test/support/tenants.js";

type Client = ReturnType<typeof api>;

/**
 * Embeddings are off, so links come from the lexical fallback (FTS candidates, Jaccard of
 * content words); the scheduled refresh is off, so the test runs PageRank and Louvain
 * through the routes. Topics share words within and none across.
 */
const TOPICS = {
  kubernetes: [
    "Kubernetes cluster upgrade to version 1.29 is planned for Friday",
    "Drain the Kubernetes worker nodes before the cluster upgrade",
    "The Kubernetes cluster upgrade needs a fresh etcd snapshot first",
    "After the Kubernetes cluster upgrade, check the ingress controller pods",
    "Kubernetes cluster upgrade rollback: restore etcd and reinstall the old kubelet",
  ],
  sourdough: [
    "Sourdough bread recipe: feed the starter with flour and water",
    "The sourdough starter wants rye flour every morning",
    "Bake the sourdough loaf in a dutch oven after the starter peaks",
    "Sourdough loaf crumb is gummy when the starter is weak",
    "Keep the sourdough starter jar in a warm kitchen corner",
  ],
  invoices: [
    "Send the monthly invoices to Acme Corp by the fifth business day",
    "Acme Corp pays invoices by bank transfer within thirty days",
    "Overdue invoices from Acme Corp go to the accounting inbox",
    "The invoices template for Acme Corp lives in the finance drive",
    "Monthly invoices need the purchase order number from Acme Corp",
  ],
};
const HUB = "Postgres backup runbook: nightly pg_dump, WAL archiving, restore drills, replica failover";
const LEAVES = [
  "Postgres nightly pg_dump backup lands in the bucket",
  "WAL archiving ships segments to object storage for restore",
  "Replica failover drill happens every quarter",
  "Restore drills use the runbook in the wiki",
];

let server: RunningServer;
let admin: Client;
let alice: Client;
let bob: Client;
let carol: Client;
let carolId: number;
const ids: Record<string, number[]> = {};
let bobIds: number[] = [];
let hub: number;
let leaves: number[];

async function storeAll(c: Client, contents: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const content of contents) {
    const res = await c.post("/store", { content });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    out.push(res.body.id);
  }
  return out;
}

/** Waits until the client's background jobs (auto_link) have all run; none may have failed. */
async function settled(c: Client) {
  for (;;) {
    const stats = (await c.get("/jobs/stats")).body;
    if (stats.pending === 0 && stats.running === 0) {
      expect(stats.failed).toBe(0);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const linkedIds = async (c: Client, id: number) => {
  const res = await c.get(`/links/${id}`);
  expect(res.status).toBe(200);
  return (res.body.links as { source_id: number; target_id: number }[]).map((l) => (l.source_id === id ? l.target_id : l.source_id));
};

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_PAGERANK_ENABLED: "0", ENGRAM_JOB_POLL_MS: "50" });
  const t = await twoTenants(server.url);
  admin = t.admin;
  [alice, bob] = [t.alice.api, t.bob.api];
  const c = await newTenant(server.url, admin, "carol");
  [carol, carolId] = [c.api, c.id];
  for (const [topic, contents] of Object.entries(TOPICS)) ids[topic] = await storeAll(alice, contents);
  // Bob's notes are near-copies of Alice's: the nearest neighbours in the whole database.
  bobIds = await storeAll(bob, [`${TOPICS.kubernetes[0]}!`, `${TOPICS.kubernetes[1]}!`]);
  [hub, ...leaves] = await storeAll(carol, [HUB, ...LEAVES]);
  await Promise.all([settled(alice), settled(bob), settled(carol)]);
});
afterAll(() => server.stop());

describe("auto-linking through the server", () => {
  it("links the memories of one topic to each other and never across topics", async () => {
    for (const [topic, group] of Object.entries(ids)) {
      for (const id of group) {
        const linked = await linkedIds(alice, id);
        expect(linked.length, `${topic} ${id}`).toBeGreaterThan(0);
        expect(linked.every((other) => group.includes(other)), `${topic} ${id} -> ${linked}`).toBe(true);
      }
    }
  });

  it("never links across tenants, and another tenant's memory is a 404", async () => {
    const aliceAll = Object.values(ids).flat();
    for (const id of bobIds) expect((await linkedIds(bob, id)).every((other) => bobIds.includes(other))).toBe(true);
    for (const id of ids.kubernetes!) expect((await linkedIds(alice, id)).some((other) => bobIds.includes(other))).toBe(false);
    expect(await linkedIds(bob, bobIds[0]!)).toEqual([bobIds[1]]);
    expect((await bob.get(`/links/${aliceAll[0]}`)).status).toBe(404);
    expect((await bob.get(`/graph/neighborhood/${aliceAll[0]}`)).status).toBe(404);
    const bobGraph = (await bob.get("/graph")).body;
    expect(bobGraph.nodes.map((n: { id: number }) => n.id).sort()).toEqual([...bobIds].sort());
    expect(bobGraph.edges.every((e: { source_id: number; target_id: number }) => bobIds.includes(e.source_id) && bobIds.includes(e.target_id))).toBe(true);
  });

  it("GET /links/:id shows the typed, per-tenant links with their similarity", async () => {
    const res = await alice.get(`/links/${ids.kubernetes![0]}`);
    expect(res.body.links.length).toBeGreaterThan(0);
    for (const l of res.body.links) {
      expect(["similarity", "updates", "extends", "contradicts", "caused_by", "prerequisite_for"]).toContain(l.type);
      expect(typeof l.created_at).toBe("string");
    }
    // At least one similarity link, so the similarity check below always runs.
    const similar = res.body.links.filter((l: { type: string }) => l.type === "similarity");
    expect(similar.length).toBeGreaterThan(0);
    for (const l of similar) expect(l.similarity).toBeGreaterThanOrEqual(0.15);
  });

  it("links a new version afresh alongside its updates link", async () => {
    const old = ids.invoices![4]!;
    const res = await alice.post(`/memory/${old}/update`, { content: "Monthly invoices need the purchase order number and VAT id from Acme Corp" });
    expect(res.status).toBe(200);
    await settled(alice);
    const links = (await alice.get(`/links/${res.body.id}`)).body.links as { source_id: number; target_id: number; type: string }[];
    expect(links).toContainEqual(expect.objectContaining({ source_id: res.body.id, target_id: old, type: "updates" }));
    const others = links.filter((l) => l.type === "similarity").map((l) => (l.source_id === res.body.id ? l.target_id : l.source_id));
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((o) => ids.invoices!.includes(o))).toBe(true);
    ids.invoices![4] = res.body.id;
  });
});

describe("communities", () => {
  it("groups three clearly separate topics into three communities", async () => {
    const run = await alice.post("/graph/communities");
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ success: true, communities: 3 });
    expect(run.body.modularity).toBeGreaterThan(0.5);
    const list = (await alice.get("/communities")).body;
    expect(list.count).toBe(3);
    const groups = await Promise.all(
      list.communities.map(async (c: { id: number }) => (await alice.get(`/communities/${c.id}`)).body.members.map((m: { id: number }) => m.id).sort()),
    );
    expect(groups.sort()).toEqual(Object.values(ids).map((g) => [...g].sort()).sort());
    // Labels are the words most of a community's central members share.
    const labels = list.communities.map((c: { label: string }) => c.label);
    for (const topic of Object.keys(TOPICS)) expect(labels.filter((l: string) => l.split(", ").includes(topic)), topic).toHaveLength(1);
    for (const c of list.communities) expect(c.top_memories.length).toBe(5);
  });

  it("keeps communities per tenant", async () => {
    const aliceCommunity = (await alice.get("/communities")).body.communities[0].id;
    expect((await bob.get(`/communities/${aliceCommunity}`)).status).toBe(404);
    expect((await bob.get("/communities")).body.communities).toEqual([]);
    expect((await alice.get("/communities/999999")).status).toBe(404);
  });

  it("lets an admin detect another user's communities, and only an admin", async () => {
    const aliceId = (await admin.get("/users")).body.users.find((u: { username: string }) => u.username === "alice").id;
    const res = await admin.post(`/admin/detect-communities?user_id=${aliceId}`);
    expect(res.body).toMatchObject({ success: true, user_id: aliceId, communities: 3 });
    expect((await alice.post("/admin/detect-communities")).status).toBe(403);
    expect((await admin.post("/admin/detect-communities?user_id=99999")).status).toBe(404);
    expect((await admin.post("/admin/detect-communities?user_id=abc")).body.error).toMatch(/^user_id: /);
  });
});

describe("PageRank", () => {
  it("ranks a hub above a leaf", async () => {
    for (const leaf of leaves) expect(await linkedIds(carol, leaf)).toEqual([hub]);
    const res = await carol.post("/graph/pagerank");
    expect(res.body).toMatchObject({ success: true, nodes: 5, memories_updated: 5 });
    const nodes = (await carol.get("/graph")).body.nodes as { id: number; pagerank_score: number }[];
    expect(nodes[0]).toMatchObject({ id: hub, pagerank_score: 1 });
    for (const leaf of leaves) expect(nodes.find((n) => n.id === leaf)!.pagerank_score).toBeLessThan(1);
    expect((await carol.get(`/memory/${hub}`)).body.id).toBe(hub);
  });

  it("admin rebuild covers one user or all users", async () => {
    const one = await admin.post(`/admin/pagerank/rebuild?user_id=${carolId}`);
    expect(one.body).toMatchObject({ success: true, users_updated: 1, memories_updated: 5 });
    const all = await admin.post("/admin/pagerank/rebuild");
    expect(all.body.users_updated).toBe(4);
    expect(all.body.memories_updated).toBe(15 + 2 + 5);
    expect((await carol.post("/admin/pagerank/rebuild")).status).toBe(403);
  });
});

describe("graph views", () => {
  it("GET /graph returns nodes and the edges among them, within the limits", async () => {
    const g = (await alice.get("/graph?limit=5&edge_limit=3")).body;
    expect(g.node_count).toBe(5);
    expect(g.edge_count).toBeLessThanOrEqual(3);
    const nodeIds = g.nodes.map((n: { id: number }) => n.id);
    for (const e of g.edges) expect(nodeIds.includes(e.source_id) && nodeIds.includes(e.target_id)).toBe(true);
    expect((await alice.get("/graph?limit=0")).body.error).toBe("limit: must be at least 1");
    expect((await alice.get("/graph?limit=6000")).body.error).toBe("limit: must be at most 5000");
  });

  it("GET /graph/neighborhood/:id walks the links from one memory", async () => {
    const n = (await carol.get(`/graph/neighborhood/${leaves[0]}?depth=2`)).body;
    expect(n.center).toBe(leaves[0]);
    expect(n.hops[hub]).toBe(1);
    for (const leaf of leaves.slice(1)) expect(n.hops[leaf]).toBe(2);
    expect(n.nodes).toHaveLength(5);
    const one = (await carol.get(`/graph/neighborhood/${leaves[0]}?depth=1`)).body;
    expect(one.nodes.map((x: { id: number }) => x.id).sort()).toEqual([hub, leaves[0]].sort());
    expect((await carol.get(`/graph/neighborhood/${hub}?link_types=extends`)).body.nodes).toHaveLength(1);
    expect((await carol.get(`/graph/neighborhood/${hub}?depth=4`)).body.error).toBe("depth: must be at most 3");
    expect((await carol.get(`/graph/neighborhood/${hub}?link_types=DROP%20TABLE`)).status).toBe(400);
  });

  it("GET /graph/timeline counts this week's growth", async () => {
    const weeks = (await carol.get("/graph/timeline")).body.weeks;
    expect(weeks).toHaveLength(1);
    expect(weeks[0]).toMatchObject({ memories: 5, versions: 0, links: 4, total_memories: 5, total_links: 4 });
    expect(weeks[0].week_start).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect((await carol.get("/graph/timeline?weeks=0")).status).toBe(400);
  });
});

describe("entities", () => {
  it("extracts the entities a memory names and lists the memories naming one", async () => {
    const res = await alice.post("/store", { content: "Alice said the Acme Corp invoices are generated on server billing-01 from ~/finance/invoices" });
    await settled(alice);
    const named = (await alice.get(`/memory/${res.body.id}/entities`)).body;
    expect(named.entities.map((e: { name: string; entity_type: string }) => `${e.entity_type}:${e.name}`).sort()).toEqual(
      ["other:Acme Corp", "path:~/finance/invoices", "person:Alice", "server:billing-01"].sort(),
    );
    const acme = named.entities.find((e: { name: string }) => e.name === "Acme Corp");
    const memories = (await alice.get(`/entities/${acme.id}/memories`)).body;
    expect(memories.memory_ids).toContain(res.body.id);
    expect(memories.memory_ids.length).toBeGreaterThanOrEqual(5);
    const entity = (await alice.get(`/entities/${acme.id}`)).body;
    expect(entity).toMatchObject({ name: "Acme Corp", origin: "extracted" });
    expect(entity.cooccurrences.map((c: { name: string }) => c.name)).toContain("Alice");
    expect((await bob.get(`/entities/${acme.id}/memories`)).status).toBe(404);
    expect((await bob.get(`/entities/${acme.id}`)).status).toBe(404);
    expect((await bob.get(`/memory/${res.body.id}/entities`)).status).toBe(404);
  });

  it("POST /entities and POST /projects declare entities; the same name again updates", async () => {
    const created = await alice.post("/entities", { name: "Etcd", entity_type: "tool", aliases: ["etcd snapshot"] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "Etcd", entity_type: "tool", origin: "manual", aliases: ["etcd snapshot"] });
    // The memories that already named it are linked at once.
    expect(created.body.occurrence_count).toBe(2);
    const again = await alice.post("/entities", { name: "etcd", description: "the cluster store" });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: created.body.id, description: "the cluster store", entity_type: "tool" });

    const project = await alice.post("/projects", { name: "Hearth", description: "the bakery side project" });
    expect(project.status).toBe(201);
    expect(project.body).toMatchObject({ name: "Hearth", entity_type: "project" });
    const stored = await alice.post("/store", { content: "hearth needs a new sourdough starter supplier" });
    await settled(alice);
    const named = (await alice.get(`/memory/${stored.body.id}/entities`)).body.entities;
    expect(named.map((e: { id: number }) => e.id)).toContain(project.body.id);
    const projects = (await alice.get("/entities?type=project")).body.entities;
    expect(projects.map((e: { name: string }) => e.name)).toEqual(["Hearth"]);
  });

  it("DELETE /memory/:id takes the entities only it named with it; shared and declared entities stay", async () => {
    const dave = (await newTenant(server.url, admin, "dave")).api;
    const declared = (await dave.post("/entities", { name: "Vault", entity_type: "tool" })).body;
    const secret = await dave.post("/store", { content: "Rotate the Vault deploy key at ~/.ssh/deploy_ed25519 for ops@example.com on 10.0.4.17 before Friday" });
    const other = await dave.post("/store", { content: "ops@example.com also receives the Grafana alerts" });
    await settled(dave);
    const listed = async () => ((await dave.get("/entities?limit=1000")).body.entities as { id: number; name: string; occurrence_count: number }[]).map((e) => [e.name, e.occurrence_count]).sort();
    expect(await listed()).toEqual([["10.0.4.17", 1], ["Grafana", 1], ["Vault", 1], ["ops@example.com", 2], ["~/.ssh/deploy_ed25519", 1]]);
    const named = (await dave.get(`/memory/${secret.body.id}/entities`)).body.entities as { id: number; name: string }[];
    const mail = named.find((e) => e.name === "ops@example.com")!;

    expect((await dave.del(`/memory/${secret.body.id}`)).body).toEqual({ deleted: true, id: secret.body.id });
    expect(await listed()).toEqual([["Grafana", 1], ["Vault", 0], ["ops@example.com", 1]]);
    for (const gone of named.filter((e) => ["10.0.4.17", "~/.ssh/deploy_ed25519"].includes(e.name))) {
      expect((await dave.get(`/entities/${gone.id}`)).status).toBe(404);
    }
    const kept = (await dave.get(`/entities/${mail.id}`)).body;
    expect(kept.cooccurrences.map((c: { name: string; count: number }) => [c.name, c.count])).toEqual([["Grafana", 1]]);
    expect((await dave.get(`/entities/${mail.id}/memories`)).body.memory_ids).toEqual([other.body.id]);
    expect((await dave.get(`/entities/${declared.id}`)).body).toMatchObject({ name: "Vault", origin: "manual", occurrence_count: 0, cooccurrences: [] });
  });

  it("rejects bad input with the field and the reason, and changes nothing", async () => {
    const before = (await alice.get("/entities?limit=1000")).body.count;
    expect((await alice.post("/entities", { name: "  " })).body.error).toBe("name: must not be empty");
    expect((await alice.post("/entities", {})).body.error).toBe("name: is required");
    expect((await alice.post("/entities", { name: "X", entity_type: "planet" })).body.error).toMatch(/^entity_type: must be one of person/);
    expect((await alice.post("/projects", { name: "X", aliases: "x" })).status).toBe(400);
    const bobSpace = (await bob.post("/spaces", { name: "private" })).body.id;
    const res = await alice.post("/entities", { name: "Sneaky", space_id: bobSpace });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("space_id: no such space");
    expect((await alice.get("/entities?limit=1000")).body.count).toBe(before);
    expect((await alice.get("/entities?type=planet")).status).toBe(400);
    expect((await bob.post("/entities", { name: "Etcd" })).status).toBe(201);
  });
});
