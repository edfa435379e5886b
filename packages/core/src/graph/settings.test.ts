import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../config/index.js";
import { createEngram, type Engram } from "../engram.js";
import { ManualClock } from "../util/clock.js";
import { storeInputSchema } from "../memory/schemas.js";

/**
 * The graph's ENGRAM_AUTOLINK_* and ENGRAM_PAGERANK_* settings read from the environment as the
 * server reads them (loadConfig → createEngram), each checked by its effect on the links and on
 * the scheduled refresh, with the clock moved by hand.
 */

const open: Engram[] = [];
afterEach(async () => {
  for (const e of open.splice(0)) {
    await e.jobs.stop();
    e.close();
  }
});

function engramWith(env: Record<string, string>, start = true) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-graph-settings-"));
  const clock = new ManualClock(new Date("2025-03-03T09:00:00.000Z"));
  const engram = createEngram(loadConfig({ ENGRAM_DATA_DIR: dataDir, ENGRAM_EMBEDDING_PROVIDER: "none", ...env }), { clock });
  open.push(engram);
  const alice = engram.auth.createUser("alice", undefined, "writer").id;
  if (start) engram.jobs.start();
  const store = (content: string, vector: Float32Array | null = null) => {
    const r = engram.memories.store(alice, storeInputSchema.parse({ content }), vector);
    if (r.kind !== "stored") throw new Error(`unexpected duplicate: ${content}`);
    return r.memory.id;
  };
  const similarity = (id: number) => engram.memories.links(alice, id).filter((l) => l.type === "similarity");
  return { engram, clock, alice, store, similarity, settle: () => engram.jobs.idle() };
}

/** Unit vector along the sum of the given axes (6 dimensions). */
const vec = (...axes: [number, number][]) => {
  const v = new Float32Array(6);
  for (const [i, w] of axes) v[i] = w;
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

describe("ENGRAM_AUTOLINK_ENABLED", () => {
  it.each([
    ["false", 0],
    [undefined, 1],
  ])("=%s: two memories sharing their words get %s similarity link(s)", async (enabled, count) => {
    const { store, similarity, settle } = engramWith(enabled ? { ENGRAM_AUTOLINK_ENABLED: enabled } : {});
    const a = store("Kubernetes cluster upgrade to 1.29 is planned for Friday night");
    store("Before the Kubernetes cluster upgrade, drain the worker nodes");
    await settle();
    expect(similarity(a)).toHaveLength(count);
  });
});

describe("ENGRAM_AUTOLINK_MIN_SIMILARITY", () => {
  it.each([
    ["0.9", 0],
    ["0.7", 1],
  ])("=%s: two memories at cosine 0.8 get %s similarity link(s)", async (min, count) => {
    const { engram, store, similarity, settle } = engramWith({ ENGRAM_AUTOLINK_MIN_SIMILARITY: min });
    engram.vectors.activate({ id: "test-6d", dimension: 6 });
    const a = store("alpha lantern", vec([0, 1]));
    store("beta harbour", vec([0, 1], [1, 0.75])); // cosine 1/hypot(1, 0.75) = 0.8
    await settle();
    expect(similarity(a)).toHaveLength(count);
  });
});

describe("ENGRAM_AUTOLINK_MAX_NEIGHBORS", () => {
  it.each([
    ["1", 1],
    [undefined, 4],
  ])("=%s: a memory near four others links to %s of them", async (max, count) => {
    const { engram, store, similarity, settle } = engramWith(max ? { ENGRAM_AUTOLINK_MAX_NEIGHBORS: max } : {});
    engram.vectors.activate({ id: "test-6d", dimension: 6 });
    const others = ["amber", "birch", "cedar", "dune"].map((w, i) => store(`${w} note`, vec([0, 1], [1 + i, 0.1])));
    await settle();
    const last = store("ember note", vec([0, 1]));
    await settle();
    const outgoing = similarity(last).filter((l) => l.sourceId === last);
    expect(outgoing).toHaveLength(count);
    for (const l of outgoing) expect(others).toContain(l.targetId);
  });
});

/** Three memories about the same thing: three links once their jobs have run. */
const redis = [
  "Redis cache eviction policy is allkeys-lru on the session store",
  "The session store Redis cache holds two gigabytes",
  "Redis session store cache misses spike after deploys",
];

describe("ENGRAM_PAGERANK_DIRTY_THRESHOLD", () => {
  it.each([
    ["3", ["alice"]],
    [undefined, []],
  ])("=%s: three new links right after a refresh make the scan queue %j", async (threshold, queued) => {
    const { engram, alice, store, settle } = engramWith(threshold ? { ENGRAM_PAGERANK_DIRTY_THRESHOLD: threshold } : {});
    store("the office plants need watering on Tuesdays");
    await settle();
    await engram.graph.refresher.refresh(alice);
    for (const c of redis) store(c);
    await settle();
    expect(engram.graph.state.get(alice)).toMatchObject({ dirtyEdges: 3 });
    // No time has passed since the refresh: only the dirty-edge count can make the tenant due.
    const scan = engram.jobs.enqueue("graph_refresh_scan", {});
    await settle();
    const result = JSON.parse(engram.jobs.get({ kind: "all" }, scan).result as string) as { queued: number[] };
    expect(result.queued).toEqual(queued.map(() => alice));
  });
});

describe("ENGRAM_PAGERANK_REFRESH_INTERVAL_SECS", () => {
  it.each([
    ["10", true],
    [undefined, false],
  ])("=%s: 10 s after a refresh, a changed graph is refreshed again by the schedule alone: %s", async (interval, refreshed) => {
    const { engram, clock, alice, store, settle } = engramWith(interval ? { ENGRAM_PAGERANK_REFRESH_INTERVAL_SECS: interval } : {});
    await settle();
    await engram.graph.refresher.refresh(alice);
    const before = engram.graph.state.get(alice)!.refreshedAt;
    for (const c of redis) store(c);
    await settle();
    expect(engram.graph.state.get(alice)).toMatchObject({ dirtyEdges: 3, refreshedAt: before });
    clock.advance(10_000);
    await settle();
    const after = engram.graph.state.get(alice)!;
    expect(after.refreshedAt === before).toBe(!refreshed);
    if (refreshed) expect(after).toMatchObject({ dirtyEdges: 0, nodeCount: 3, refreshedAt: clock.now().toISOString() });
  });
});

describe("ENGRAM_PAGERANK_MAX_CONCURRENT", () => {
  it.each([
    ["3", 3],
    [undefined, 1],
  ])("=%s: with four tenants' graph refreshes queued, %s run at once", async (max, count) => {
    const env: Record<string, string> = { ENGRAM_JOB_CONCURRENCY: "16", ENGRAM_JOB_TYPE_CONCURRENCY: "16" };
    if (max) env.ENGRAM_PAGERANK_MAX_CONCURRENT = max;
    const { engram, alice, settle } = engramWith(env, false);
    const users = [alice, ...["bob", "carol", "dave"].map((name) => engram.auth.createUser(name, undefined, "writer").id)];
    for (const userId of users) engram.jobs.enqueue("graph_refresh", {}, { userId });
    // start() claims what the limits allow at once; the handlers run only after it returns.
    engram.jobs.start();
    const running = engram.jobs.list({ kind: "all" }, { status: "running", limit: 100, offset: 0 }).filter((j) => j.type === "graph_refresh");
    expect(running).toHaveLength(count);
    await settle();
    expect(users.map((u) => engram.graph.state.get(u)?.refreshedAt ?? null).every((at) => at !== null)).toBe(true);
  });
});
