import { getTableConfig } from "drizzle-orm/sqlite-core";
import { afterEach, describe, expect, it } from "vitest";
import { createEngram, type Engram } from "../engram.js";
import { ManualClock } from "../util/clock.js";
import { storeInputSchema } from "../memory/schemas.js";
import { DEFAULT_GRAPH_CONFIG, type GraphConfig } from "./config.js";
import { graphNeighbors, SECOND_HOP_DECAY } from "./neighbors.js";
import * as schema from "../db/schema.js";

let engram: Engram;
let clock: ManualClock;
let alice: number;
let bob: number;

function setup(graph: Partial<GraphConfig> = {}) {
  clock = new ManualClock(new Date("2025-03-03T09:00:00.000Z"));
  engram = createEngram(
    {
      dbPath: ":memory:",
      dbSynchronous: "normal",
      apiKeyPepper: "",
      embedder: null,
      vectorMinSimilarity: 0.2,
      graph: { ...DEFAULT_GRAPH_CONFIG, pagerankEnabled: false, ...graph },
    },
    { clock },
  );
  alice = engram.auth.createUser("alice", undefined, "writer").id;
  bob = engram.auth.createUser("bob", undefined, "writer").id;
  engram.jobs.start();
}
afterEach(async () => {
  await engram.jobs.stop();
  engram.close();
});

/** Unit vector along the sum of the given axes (6 dimensions). */
const vec = (...axes: [number, number][]) => {
  const v = new Float32Array(6);
  for (const [i, w] of axes) v[i] = w;
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const store = (userId: number, content: string, vector: Float32Array | null = null) => {
  const r = engram.memories.store(userId, storeInputSchema.parse({ content }), vector);
  if (r.kind !== "stored") throw new Error(`unexpected duplicate: ${content}`);
  return r.memory.id;
};
const settle = () => engram.jobs.idle();
const links = (userId: number, id: number) =>
  engram.memories.links(userId, id).map((l) => ({ source: l.sourceId, target: l.targetId, type: l.type }));
const pair = (a: number, b: number) => [Math.min(a, b), Math.max(a, b)].join("-");
const similarityPairs = (userId: number, ids: number[]) =>
  new Set(ids.flatMap((id) => links(userId, id).filter((l) => l.type === "similarity").map((l) => pair(l.source, l.target))));

describe("graph tables", () => {
  it("match the drizzle schema column for column", () => {
    setup();
    for (const table of [schema.memories, schema.entities, schema.memoryEntities, schema.entityCooccurrences, schema.graphCommunities, schema.graphState]) {
      const cfg = getTableConfig(table);
      const cols = (engram.db.sqlite.prepare(`PRAGMA table_info(${cfg.name})`).all() as { name: string }[]).map((c) => c.name);
      expect(cols.sort(), cfg.name).toEqual(cfg.columns.map((c) => c.name).sort());
    }
  });
});

describe("auto-linking", () => {
  it("without vectors, links memories that share their words, only within the tenant", async () => {
    setup();
    const a = store(alice, "Kubernetes cluster upgrade to 1.29 is planned for Friday night");
    const b = store(alice, "Before the Kubernetes cluster upgrade, drain the worker nodes");
    const c = store(alice, "Sourdough bread needs flour, water, salt and a starter");
    const bobs = store(bob, "Kubernetes cluster upgrade to 1.29: drain the worker nodes on Friday");
    await settle();
    expect(similarityPairs(alice, [a, b, c])).toEqual(new Set([pair(a, b)]));
    expect(links(alice, c)).toEqual([]);
    expect(links(bob, bobs)).toEqual([]);
    const all = engram.db.sqlite.prepare("SELECT l.user_id AS owner, s.user_id AS s, t.user_id AS t FROM memory_links l JOIN memories s ON s.id = l.source_id JOIN memories t ON t.id = l.target_id").all() as { owner: number; s: number; t: number }[];
    expect(all.every((l) => l.owner === l.s && l.s === l.t)).toBe(true);
  });

  it("types a link from the cue in the text: caused_by points at the cause", async () => {
    setup();
    const cert = store(alice, "The TLS certificate on the load balancer expired on Monday");
    const outage = store(alice, "The API outage on Monday was caused by the expired TLS certificate on the load balancer");
    await settle();
    expect(links(alice, outage)).toContainEqual({ source: outage, target: cert, type: "caused_by" });
  });

  it("with vectors, links by cosine above the threshold and never to another tenant's nearest vector", async () => {
    setup();
    engram.vectors.activate({ id: "test-6d", dimension: 6 });
    const a = store(alice, "alpha note", vec([0, 1]));
    const b = store(alice, "beta note", vec([0, 1], [1, 0.3]));
    const c = store(alice, "gamma note", vec([2, 1]));
    const twin = store(bob, "alpha twin", vec([0, 1]));
    await settle();
    expect(similarityPairs(alice, [a, b, c])).toEqual(new Set([pair(a, b)]));
    expect(engram.memories.links(alice, a)[0]!.similarity).toBeCloseTo(1 / Math.hypot(1, 0.3), 3);
    expect(links(bob, twin)).toEqual([]);
  });

  it("links a new version afresh, and the superseded one keeps only its history", async () => {
    setup();
    const deploy = store(alice, "Deploys to production run through the GitHub Actions pipeline");
    const old = store(alice, "The GitHub Actions pipeline for production takes twelve minutes");
    await settle();
    const fresh = engram.memories.update(alice, old, { content: "The GitHub Actions pipeline for production now takes six minutes" }).id;
    await settle();
    expect(links(alice, fresh)).toContainEqual({ source: fresh, target: old, type: "updates" });
    expect(links(alice, fresh).some((l) => l.type === "similarity" && l.target === deploy)).toBe(true);
    // Auto-links only join live latest memories: nothing new hangs off the old version.
    // (Both jobs ran after both stores: the first memory's linked to the second.)
    expect(links(alice, old)).toEqual([
      { source: deploy, target: old, type: "similarity" },
      { source: fresh, target: old, type: "updates" },
    ]);
  });

  it("can be switched off; entities are still extracted", async () => {
    setup({ autoLinkEnabled: false });
    const a = store(alice, "Alice said the Kubernetes cluster upgrade is on Friday");
    const b = store(alice, "Alice drains the Kubernetes cluster before the upgrade");
    await settle();
    expect(links(alice, b)).toEqual([]);
    expect(engram.graph.entities.ofMemory(alice, a).map((m) => m.entity.name)).toEqual(["Alice", "Kubernetes"]);
  });
});

describe("graph neighbours for search", () => {
  it("expands two hops with edge-type weights, within the tenant, skipping hidden and superseded memories", async () => {
    setup({ autoLinkEnabled: false });
    const [s, a, b, c, d, hidden] = ["seed", "a", "b", "c", "d", "hidden"].map((n) => store(alice, `memory ${n} ${Math.random()}`));
    const other = store(bob, "bob's memory");
    const link = (source: number, target: number, type: string, similarity = 0, userId = alice) =>
      engram.db.sqlite
        .prepare("INSERT INTO memory_links (user_id, source_id, target_id, type, similarity, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .run(userId, source, target, type, similarity, clock.now().toISOString());
    link(s!, a!, "similarity", 0.7);
    link(b!, s!, "extends");
    link(a!, c!, "caused_by");
    link(s!, hidden!, "extends");
    link(d!, b!, "contradicts");
    const other2 = store(bob, "bob's other memory");
    link(other, other2, "extends", 0, bob);
    engram.memories.setStatus(alice, hidden!, "forgotten");
    const got = graphNeighbors(engram.db, alice, [s!], { hops: 2, limit: 10 });
    expect(got).toEqual([
      { id: b, score: 1, via: s, type: "extends" },
      { id: a, score: 0.7, via: s, type: "similarity" },
      { id: c, score: 0.7 * 0.8 * SECOND_HOP_DECAY, via: a, type: "caused_by" },
      { id: d, score: 1 * 0.5 * SECOND_HOP_DECAY, via: b, type: "contradicts" },
    ]);
    expect(graphNeighbors(engram.db, alice, [s!], { hops: 1, limit: 10 }).map((n) => n.id)).toEqual([b, a]);
    expect(graphNeighbors(engram.db, bob, [s!], { hops: 2, limit: 10 })).toEqual([]);
    expect(graphNeighbors(engram.db, alice, [other], { hops: 2, limit: 10 })).toEqual([]);
    expect(graphNeighbors(engram.db, bob, [other], { hops: 2, limit: 10 }).map((n) => n.id)).toEqual([other2]);
    // A superseded version is not a neighbour; its successor is found through its own links.
    engram.memories.update(alice, b!, { content: "memory b, second version" });
    expect(graphNeighbors(engram.db, alice, [s!], { hops: 1, limit: 10 }).map((n) => n.id)).toEqual([a]);
  });
});

describe("PageRank and communities", () => {
  it("ranks a hub above its leaves and finds three communities in three separate topics", async () => {
    setup();
    engram.vectors.activate({ id: "test-6d", dimension: 6 });
    // A star: the hub is 0.58 similar to each leaf; the leaves are orthogonal to each other.
    const hub = store(alice, "the hub memory", vec([0, 1], [1, 1], [2, 1]));
    const leaves = ["amber birch", "cedar dune", "ember fjord"].map((words, i) => store(alice, `leaf ${words}`, vec([i, 1])));
    const lonely = store(alice, "a lonely memory about glades", vec([5, 1]));
    await settle();
    await engram.graph.refresher.refresh(alice);
    const score = (id: number) => engram.memories.find(alice, id)!.pagerankScore;
    expect(score(hub)).toBe(1);
    for (const l of leaves) expect(score(l)).toBeLessThan(score(hub));
    expect(score(lonely)).toBeLessThan(Math.min(...leaves.map(score)));
    expect(engram.memories.find(alice, lonely)!.communityId).toBeNull();
  });

  it("groups three clearly separate topics into three communities, labelled by their words", async () => {
    setup();
    engram.vectors.activate({ id: "test-6d", dimension: 6 });
    const topics = ["kubernetes", "sourdough", "invoices"];
    const words = ["amber birch", "cedar dune", "ember fjord", "glade heath", "inlet jetty"];
    const ids = topics.map((t, k) => words.map((w, j) => store(alice, `${t}: ${w} ${k}`, vec([k, 1], [3 + (j % 3), 0.3]))));
    await settle();
    const result = await engram.graph.refresher.refresh(alice);
    expect(result.communities).toBe(3);
    const community = (id: number) => engram.memories.find(alice, id)!.communityId;
    for (const group of ids) expect(new Set(group.map(community)).size).toBe(1);
    expect(new Set(ids.map((g) => community(g[0]!))).size).toBe(3);
    const { communities } = engram.graph.views.communities(alice);
    expect(communities.map((c) => c.community.label.split(", ")[0]).sort()).toEqual(["invoices", "kubernetes", "sourdough"]);
    expect(communities.every((c) => c.community.size === 5 && c.topMemories.length === 5)).toBe(true);
    // Louvain runs with a per-tenant seed: a second refresh finds the same partition.
    const before = ids.flat().map(community);
    await engram.graph.refresher.refresh(alice);
    const after = ids.flat().map(community);
    expect(after.map((c) => after.indexOf(c))).toEqual(before.map((c) => before.indexOf(c)));
    expect(engram.graph.views.communities(bob).communities).toEqual([]);
    expect(() => engram.graph.views.community(bob, communities[0]!.community.id, 10)).toThrow("community not found");
  });

  it("gives superseded and forgotten memories no score and no community", async () => {
    setup();
    const a = store(alice, "Grafana dashboards for the payments service latency");
    const b = store(alice, "Payments service latency alerts page the on-call in Grafana");
    await settle();
    await engram.graph.refresher.refresh(alice);
    expect(engram.memories.find(alice, a)!.pagerankScore).toBeGreaterThan(0);
    engram.memories.setStatus(alice, a, "forgotten");
    await engram.graph.refresher.refresh(alice);
    expect(engram.memories.find(alice, a)).toMatchObject({ pagerankScore: 0, communityId: null });
    expect(engram.memories.find(alice, b)!.pagerankScore).toBe(1);
  });
});

describe("scheduled refresh", () => {
  it("refreshes a tenant past the dirty-edge threshold, and a changed one once the interval has passed", async () => {
    setup({ pagerankEnabled: true, dirtyThreshold: 3, refreshIntervalMs: 3_600_000 });
    await settle();
    store(alice, "Redis cache eviction policy is allkeys-lru on the session store");
    store(alice, "The session store Redis cache holds two gigabytes");
    store(alice, "Redis session store cache misses spike after deploys");
    await settle();
    expect(engram.graph.state.get(alice)).toMatchObject({ dirtyEdges: 3, refreshedAt: null });
    clock.advance(30_000); // the scan's own rhythm
    await settle();
    const first = engram.graph.state.get(alice)!;
    expect(first).toMatchObject({ dirtyEdges: 0, nodeCount: 3, edgeCount: 3 });
    expect(first.refreshedAt).toBe(clock.now().toISOString());

    store(alice, "Unrelated: the office plants need watering on Tuesdays");
    clock.advance(30_000);
    await settle();
    expect(engram.graph.state.get(alice)!.refreshedAt).toBe(first.refreshedAt);
    clock.advance(3_600_000);
    await settle();
    expect(engram.graph.state.get(alice)).toMatchObject({ nodeCount: 4, refreshedAt: clock.now().toISOString() });
    expect(engram.graph.state.get(bob)).toBeUndefined();
  });
});

describe("entities", () => {
  it("extracts entities on store, with the memories naming them and co-occurrence counts", async () => {
    setup();
    const m1 = store(alice, "Alice said she deployed Phoenix to server web-01 with Docker");
    const m2 = store(alice, "Alice says the Docker images for project Phoenix are too big");
    const m3 = store(bob, "Bob asked Alice about Docker too");
    await settle();
    // "Phoenix" alone is just a name; "project Phoenix" in the second memory says what it is.
    const named = engram.graph.entities.ofMemory(alice, m1).map((e) => `${e.entity.entityType}:${e.entity.name}`).sort();
    expect(named).toEqual(["person:Alice", "project:Phoenix", "server:web-01", "tool:Docker"]);
    const docker = engram.graph.entities.list(alice, { limit: 50, offset: 0 }).find((e) => e.name === "Docker")!;
    expect(docker.occurrenceCount).toBe(2);
    expect(engram.graph.entities.memories(alice, docker.id, 10).map((m) => m.memory.id)).toEqual([m2, m1]);
    const withDocker = engram.graph.entities.cooccurring(alice, docker.id, 10).map((c) => [c.entity.name, c.count]);
    expect(withDocker).toContainEqual(["Alice", 2]);
    expect(() => engram.graph.entities.get(bob, docker.id)).toThrow("entity not found");
    expect(() => engram.graph.entities.ofMemory(bob, m1)).toThrow("memory not found");
    // Bob's entities are his own rows, even where the names are the same.
    const bobs = engram.graph.entities.ofMemory(bob, m3).map((e) => e.entity);
    expect(bobs.map((e) => e.name)).toEqual(["Bob", "Alice", "Docker"]);
    expect(bobs.find((e) => e.name === "Docker")!.id).not.toBe(docker.id);
  });

  it("counts a version chain once, and the rebuild agrees with the incremental counts", async () => {
    setup();
    const m = store(alice, "Carol says she moved the Jenkins jobs to GitHub");
    await settle();
    engram.memories.update(alice, m, { content: "Carol says she moved the Jenkins jobs to GitHub last week" });
    await settle();
    const counts = () =>
      engram.graph.entities
        .list(alice, { limit: 50, offset: 0 })
        .map((e) => [e.name, e.occurrenceCount, engram.graph.entities.cooccurring(alice, e.id, 10).map((c) => c.count)] as const)
        .sort();
    const incremental = counts();
    expect(incremental.map(([n, c]) => [n, c])).toEqual([["Carol", 1], ["GitHub", 1], ["Jenkins", 1]]);
    engram.graph.entities.rebuildCounts(alice);
    expect(counts()).toEqual(incremental);
  });

  it("deleting a memory takes its mentions, counts and the extracted entities only it named with it; declared ones stay", async () => {
    setup();
    const { entity: vault } = await engram.graph.entities.declare(alice, { name: "Vault", entity_type: "tool" });
    const m1 = store(alice, "Rotate the Vault deploy key at ~/.ssh/deploy_ed25519 for ops@example.com on 10.0.4.17 before Friday");
    const m2 = store(alice, "ops@example.com also receives the Grafana alerts");
    const bobs = store(bob, "Keep ~/.ssh/deploy_ed25519 for ops@example.com too");
    await settle();
    const byName = (userId: number) => new Map(engram.graph.entities.list(userId, { limit: 50, offset: 0 }).map((e) => [e.name, e]));
    const mail = byName(alice).get("ops@example.com")!;
    expect(mail.occurrenceCount).toBe(2);
    expect(engram.graph.entities.cooccurring(alice, mail.id, 10).map((c) => c.entity.name).sort()).toEqual(["10.0.4.17", "Grafana", "Vault", "~/.ssh/deploy_ed25519"]);

    engram.memories.delete(alice, m1);
    const left = byName(alice);
    expect([...left.keys()].sort()).toEqual(["Grafana", "Vault", "ops@example.com"]);
    expect(left.get("ops@example.com")!.occurrenceCount).toBe(1);
    expect(left.get("Vault")).toMatchObject({ id: vault.id, origin: "manual", occurrenceCount: 0 });
    expect(engram.graph.entities.cooccurring(alice, mail.id, 10).map((c) => [c.entity.name, c.count])).toEqual([["Grafana", 1]]);
    expect(engram.graph.entities.cooccurring(alice, vault.id, 10)).toEqual([]);
    expect(engram.graph.entities.memories(alice, mail.id, 10).map((r) => r.memory.id)).toEqual([m2]);
    const rows = (sql: string) => (engram.db.sqlite.prepare(sql).get(m1) as { n: number }).n;
    expect(rows("SELECT count(*) AS n FROM memory_entities WHERE memory_id = ?")).toBe(0);
    // Bob's rows of the same names are his own and untouched.
    expect([...byName(bob).keys()].sort()).toEqual(["ops@example.com", "~/.ssh/deploy_ed25519"]);
    expect(engram.graph.entities.ofMemory(bob, bobs)).toHaveLength(2);
    // The deletion left the counts as a full rebuild computes them.
    const counts = () => [...byName(alice).values()].map((e) => [e.name, e.occurrenceCount, engram.graph.entities.cooccurring(alice, e.id, 10).map((c) => [c.entity.name, c.count, c.weight])]);
    const incremental = counts();
    engram.graph.entities.rebuildCounts(alice);
    expect(counts()).toEqual(incremental);
  });

  it("deleting the latest version counts the version it makes latest again", async () => {
    setup();
    const v1 = store(alice, "Yesterday Carol set up Jenkins with Docker");
    await settle();
    const v2 = engram.memories.update(alice, v1, { content: "Yesterday Carol set up Jenkins with GitHub" }).id;
    await settle();
    const names = () => engram.graph.entities.list(alice, { limit: 50, offset: 0 }).map((e) => [e.name, e.occurrenceCount]).sort();
    expect(names()).toEqual([["Carol", 1], ["Docker", 0], ["GitHub", 1], ["Jenkins", 1]]);
    engram.memories.delete(alice, v2);
    // v1 is the latest again: Docker counts again, GitHub (named only by v2) is gone.
    expect(names()).toEqual([["Carol", 1], ["Docker", 1], ["Jenkins", 1]]);
    const docker = engram.graph.entities.list(alice, { limit: 50, offset: 0 }).find((e) => e.name === "Docker")!;
    expect(engram.graph.entities.cooccurring(alice, docker.id, 10).map((c) => [c.entity.name, c.count]).sort()).toEqual([["Carol", 1], ["Jenkins", 1]]);
  });

  it("declaring an entity links the memories that already name it, by name or alias", async () => {
    setup();
    const m1 = store(alice, "the nightly atlas-core build is flaky");
    const m2 = store(alice, "Atlas release notes go out on Thursdays");
    store(alice, "nothing to see here");
    await settle();
    const { entity, created } = await engram.graph.entities.declare(alice, { name: "Atlas", aliases: ["atlas-core"] }, "project");
    expect(created).toBe(true);
    expect(entity).toMatchObject({ entityType: "project", origin: "manual", occurrenceCount: 2 });
    expect(engram.graph.entities.memories(alice, entity.id, 10).map((r) => r.memory.id)).toEqual([m2, m1]);
    const again = await engram.graph.entities.declare(alice, { name: "atlas", description: "the data platform" }, "project");
    expect(again).toMatchObject({ created: false, entity: { id: entity.id, description: "the data platform", aliases: ["atlas-core"] } });
    // Later memories match the declared name and its aliases.
    const m3 = store(alice, "ATLAS-CORE needs a new owner");
    await settle();
    expect(engram.graph.entities.ofMemory(alice, m3).map((e) => e.entity.id)).toEqual([entity.id]);
    const bobSpace = engram.auth.createSpace(bob, "private", undefined).id;
    await expect(engram.graph.entities.declare(alice, { name: "X", space_id: bobSpace })).rejects.toThrow("space_id: no such space");
  });
});

describe("timeline", () => {
  it("counts memories, versions and links per ISO week with running totals", async () => {
    setup();
    const a = store(alice, "Terraform state lives in the shared S3 bucket"); // Monday 2025-03-03
    clock.advance(6 * 86_400_000); // Sunday, same week
    store(alice, "Terraform state bucket has versioning enabled in S3");
    clock.advance(86_400_000); // Monday 2025-03-10
    await settle();
    engram.memories.update(alice, a, { content: "Terraform state lives in the shared S3 bucket, locked with DynamoDB" });
    await settle();
    const weeks = engram.graph.views.timeline(alice, 52);
    expect(weeks.map((w) => [w.week_start, w.memories, w.versions, w.total_memories])).toEqual([
      ["2025-03-03", 2, 0, 2],
      ["2025-03-10", 0, 1, 2],
    ]);
    expect(weeks[1]!.total_links).toBe(weeks[0]!.links + weeks[1]!.links);
    expect(engram.graph.views.timeline(alice, 1).map((w) => w.week_start)).toEqual(["2025-03-10"]);
    expect(engram.graph.views.timeline(bob, 52)).toEqual([]);
  });
});
