import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ExactVectorIndex } from "./exact-index.js";
import { LanceVectorIndex, type FlushStage } from "./lance-index.js";
import { TieredVectorIndex } from "./tiered-index.js";
import { decodeVector, encodeVector, normalize } from "./codec.js";
import type { VectorHit, VectorIndex, VectorSource } from "./index.js";

/** Deterministic pseudo-random unit vectors (mulberry32), so failures reproduce. */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}
const randomUnit = (r: () => number, dim: number) => normalize(Float32Array.from({ length: dim }, r));
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

/**
 * What SQLite holds, per tenant: the indexes are built and healed from it. Tests write here
 * first and then tell the index, in the order the memory service commits and then indexes.
 */
class Truth implements VectorSource {
  readonly tenants = new Map<number, Map<number, Float32Array>>();
  loads: number[] = [];

  private of(userId: number) {
    let t = this.tenants.get(userId);
    if (!t) this.tenants.set(userId, (t = new Map()));
    return t;
  }
  put(userId: number, id: number, v: Float32Array) {
    this.of(userId).set(id, v);
  }
  drop(userId: number, id: number) {
    this.of(userId).delete(id);
  }
  rows(userId: number) {
    this.loads.push(userId);
    return [...this.of(userId)].map(([id, vector]) => ({ id, vector }));
  }
  rowsByIds(userId: number, ids: readonly number[]) {
    return ids.flatMap((id) => (this.of(userId).has(id) ? [{ id, vector: this.of(userId).get(id)! }] : []));
  }
  ids(userId: number) {
    return [...this.of(userId).keys()];
  }
  count(userId: number) {
    return this.of(userId).size;
  }
  /** The exact answer over the truth, as every backend must give it (below the ANN size). */
  nearest(userId: number, q: Float32Array, k: number): VectorHit[] {
    return [...this.of(userId)]
      .map(([id, v]) => ({ id, score: dot(v, q) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }
}

const roots: string[] = [];
function tempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-vindex-"));
  roots.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of roots) fs.rmSync(dir, { recursive: true, force: true });
});

const dim = 16;
/** Small flush sizes so the suite runs through buffered, flushing and flushed states. */
const lanceOptions = (source: VectorSource, dir = tempDir()) => ({ dir, dimension: dim, source, flushRows: 7, flushDelayMs: 5 });

const BACKENDS: Record<string, (source: VectorSource) => VectorIndex> = {
  "exact scan": (source) => new ExactVectorIndex(dim, (userId) => source.rows(userId)),
  lancedb: (source) => new LanceVectorIndex(lanceOptions(source)),
  "exact, moving to lancedb past 40 vectors": (source) => new TieredVectorIndex(source, new LanceVectorIndex(lanceOptions(source)), 40),
};

const open: VectorIndex[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((i) => i.close()));
});

function expectSameHits(got: VectorHit[], expected: VectorHit[]) {
  expect(got.map((h) => h.id)).toEqual(expected.map((h) => h.id));
  for (const [i, h] of got.entries()) expect(h.score).toBeCloseTo(expected[i]!.score, 5);
}

describe.each(Object.entries(BACKENDS))("vector index contract: %s", (_name, make) => {
  const build = (truth: Truth) => {
    const index = make(truth);
    open.push(index);
    return index;
  };

  it("returns the same top k as a brute-force sort, best first", async () => {
    const r = rng(7);
    const truth = new Truth();
    for (let i = 1; i <= 300; i++) truth.put(1, i, randomUnit(r, dim));
    const index = build(truth);
    const q = randomUnit(r, dim);
    expectSameHits(await index.search(1, q, 10), truth.nearest(1, q, 10));
    expect(await index.size(1)).toBe(300);
  });

  it("loads each tenant lazily and never returns another tenant's vectors", async () => {
    const r = rng(11);
    const truth = new Truth();
    truth.put(1, 10, randomUnit(r, dim));
    truth.put(2, 20, randomUnit(r, dim));
    const index = build(truth);
    expect(truth.loads).toEqual([]);
    const otherTenantsVector = truth.tenants.get(2)!.get(20)!;
    expect((await index.search(1, otherTenantsVector, 5)).map((h) => h.id)).toEqual([10]);
    expect(await index.search(3, randomUnit(r, dim), 5)).toEqual([]);
    // Tenant 2 was never searched, so a write to it reaches search only through its first load.
    const late = randomUnit(r, dim);
    truth.put(2, 21, late);
    index.upsert(2, 21, late);
    expect((await index.search(2, late, 5)).map((h) => h.id).sort()).toEqual([20, 21]);
  });

  it("reflects upserts and removes at once, keeping the rest searchable", async () => {
    const r = rng(3);
    const truth = new Truth();
    const index = build(truth);
    await index.size(1); // load the (empty) tenant so later writes go to the index itself
    const vs = Array.from({ length: 100 }, () => randomUnit(r, dim));
    for (const [i, v] of vs.entries()) {
      truth.put(1, i + 1, v);
      index.upsert(1, i + 1, v);
    }
    expect(await index.size(1)).toBe(100);
    expect((await index.search(1, vs[41]!, 1))[0]!.id).toBe(42);
    truth.drop(1, 42);
    index.remove(1, 42);
    expect((await index.search(1, vs[41]!, 100)).map((h) => h.id)).not.toContain(42);
    expect(await index.size(1)).toBe(99);
    expect((await index.search(1, vs[99]!, 1))[0]!).toMatchObject({ id: 100 });
    truth.put(1, 7, vs[0]!);
    index.upsert(1, 7, vs[0]!);
    expect((await index.search(1, vs[0]!, 2)).map((h) => h.id).sort()).toEqual([1, 7]);
    await index.flush();
    expect((await index.search(1, vs[41]!, 100)).map((h) => h.id)).not.toContain(42);
    expect((await index.search(1, vs[0]!, 2)).map((h) => h.id).sort()).toEqual([1, 7]);
    expect(await index.size(1)).toBe(99);
  });

  it("stays exact through a random mix of adds, rewrites and removes, searched while writes are buffered", async () => {
    const r = rng(23);
    const truth = new Truth();
    for (let i = 1; i <= 30; i++) truth.put(5, i, randomUnit(r, dim));
    const index = build(truth);
    let nextId = 31;
    for (let step = 0; step < 400; step++) {
      const roll = r() + 0.5;
      const ids = truth.ids(5);
      if (roll < 0.5 || ids.length === 0) {
        const v = randomUnit(r, dim);
        truth.put(5, nextId, v);
        index.upsert(5, nextId++, v);
      } else if (roll < 0.7) {
        const id = ids[Math.floor((r() + 0.5) * ids.length)]!;
        const v = randomUnit(r, dim);
        truth.put(5, id, v);
        index.upsert(5, id, v);
      } else {
        const id = ids[Math.floor((r() + 0.5) * ids.length)]!;
        truth.drop(5, id);
        index.remove(5, id);
      }
      if (step % 25 === 0) {
        const q = randomUnit(r, dim);
        expectSameHits(await index.search(5, q, 10), truth.nearest(5, q, 10));
      }
      // Let background flushes start between writes now and then.
      if (step % 60 === 0) await new Promise((res) => setTimeout(res, 10));
    }
    const q = randomUnit(r, dim);
    expectSameHits(await index.search(5, q, 20), truth.nearest(5, q, 20));
    expect(await index.size(5)).toBe(truth.count(5));
  });

  it("refuses vectors of another dimension", async () => {
    const index = build(new Truth());
    await expect(index.search(1, new Float32Array(8), 3)).rejects.toThrow(/dimensions/);
    await index.size(1);
    expect(() => index.upsert(1, 1, new Float32Array(8))).toThrow(/dimensions/);
  });
});

describe("lancedb index on disk", () => {
  it("heals a table that missed writes or deletes (a crash between the SQLite commit and the table write)", async () => {
    const r = rng(41);
    const dir = tempDir();
    const truth = new Truth();
    for (let i = 1; i <= 60; i++) truth.put(1, i, randomUnit(r, dim));
    const first = new LanceVectorIndex(lanceOptions(truth, dir));
    expect(await first.size(1)).toBe(60); // built from the source
    await first.close();

    // While no index was open: five more memories committed and three deleted.
    for (let i = 61; i <= 65; i++) truth.put(1, i, randomUnit(r, dim));
    for (const id of [3, 30, 60]) truth.drop(1, id);
    const logged: string[] = [];
    const second = new LanceVectorIndex({ ...lanceOptions(truth, dir), log: { info: (_o, msg) => logged.push(msg), warn: (_o, msg) => logged.push(msg) } });
    open.push(second);
    const q = truth.tenants.get(1)!.get(63)!;
    expectSameHits(await second.search(1, q, 70), truth.nearest(1, q, 70));
    expect(await second.size(1)).toBe(62);
    expect(logged).toContain("vector table healed from SQLite");
  });

  it("keeps writes that were still buffered when the process died, through the source", async () => {
    const r = rng(43);
    const dir = tempDir();
    const truth = new Truth();
    const crashed = new LanceVectorIndex({ ...lanceOptions(truth, dir), flushRows: 10_000, flushDelayMs: 60_000 });
    await crashed.size(1);
    const v = randomUnit(r, dim);
    truth.put(1, 1, v);
    crashed.upsert(1, 1, v);
    expect((await crashed.search(1, v, 1))[0]!.id).toBe(1); // answered from the in-memory delta
    // No flush, no close: the next process finds the row in SQLite and adds it to the table.
    const next = new LanceVectorIndex(lanceOptions(truth, dir));
    open.push(next, crashed);
    expect((await next.search(1, v, 1))[0]).toMatchObject({ id: 1 });
    expect((await next.search(1, v, 1))[0]!.score).toBeCloseTo(1, 5);
  });

  it("builds an ANN index once a table is big enough and still finds each vector's own row first", async () => {
    const r = rng(47);
    const truth = new Truth();
    for (let i = 1; i <= 600; i++) truth.put(1, i, randomUnit(r, dim));
    const index = new LanceVectorIndex({ ...lanceOptions(truth), annMinRows: 500 });
    open.push(index);
    await index.size(1);
    while (!(await index.indexed(1))) await new Promise((res) => setTimeout(res, 50));
    for (const id of [1, 250, 600]) {
      const v = truth.tenants.get(1)!.get(id)!;
      expect((await index.search(1, v, 5))[0]).toMatchObject({ id });
    }
    // A k beyond the HNSW candidate list (the search service over-fetches hundreds).
    const wide = await index.search(1, truth.tenants.get(1)!.get(7)!, 400);
    expect(wide).toHaveLength(400);
    expect(wide[0]).toMatchObject({ id: 7 });
    // Rows added after the index was trained are still found (scanned flat until compaction).
    const late = randomUnit(r, dim);
    truth.put(1, 601, late);
    index.upsert(1, 601, late);
    await index.flush();
    expect((await index.search(1, late, 1))[0]).toMatchObject({ id: 601 });
  });
});

/**
 * A flush that stops at one stage until the test lets it go: `reached` resolves when it
 * stops there, `release()` lets it carry on (or fail there, when `fail` is set).
 */
function pausedFlush(stage: FlushStage, fail = false) {
  let armed = true;
  let release!: () => void;
  let reached!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const stopped = new Promise<void>((resolve) => (reached = resolve));
  const flushHook = async (at: FlushStage) => {
    if (!armed || at !== stage) return;
    armed = false;
    reached();
    await released;
    if (fail) throw new Error("injected: the table write failed after it committed");
  };
  return { flushHook, reached: stopped, release };
}

describe("lancedb index: writes made while a flush writes the table win over its copy", () => {
  /**
   * Tenant 1 holds rows 1-20 in its table. The flush copies a new row 21 and a rewrite of row 5,
   * and stops at `stage`; meanwhile `write` changes them again. Every search, while it is stopped,
   * after it finished and after the next flush, must equal the exact answer over the truth.
   */
  async function interleave(stage: FlushStage, write: (truth: Truth, index: LanceVectorIndex, r: () => number) => void, fail = false) {
    const r = rng(59);
    const truth = new Truth();
    for (let i = 1; i <= 20; i++) truth.put(1, i, randomUnit(r, dim));
    const pause = pausedFlush(stage, fail);
    const index = new LanceVectorIndex({ ...lanceOptions(truth), flushRows: 10_000, flushDelayMs: 60_000, flushHook: pause.flushHook });
    open.push(index);
    expect(await index.size(1)).toBe(20);
    const copied = { 21: randomUnit(r, dim), 5: randomUnit(r, dim) };
    for (const [id, v] of Object.entries(copied)) {
      truth.put(1, Number(id), v);
      index.upsert(1, Number(id), v);
    }
    const flushed = index.flush();
    await pause.reached;
    write(truth, index, r);
    // Queries along the copied vectors: a stale copy would score 1 against its own.
    const queries = [copied[21], copied[5], randomUnit(r, dim)];
    const exact = async () => {
      for (const q of queries) expectSameHits(await index.search(1, q, 25), truth.nearest(1, q, 25));
      expect(await index.size(1)).toBe(truth.count(1));
    };
    try {
      await exact();
    } finally {
      pause.release(); // a failed check must not leave the flush (and the index's close) waiting
    }
    await flushed;
    await exact();
    await index.flush();
    await exact();
  }

  const stages: FlushStage[] = ["copied", "added"];

  it.each(stages)("a remove of a copied row, paused at %s", async (stage) => {
    await interleave(stage, (truth, index) => {
      for (const id of [21, 5]) {
        truth.drop(1, id);
        index.remove(1, id);
      }
    });
  });

  it.each(stages)("a rewrite of a copied row, paused at %s", async (stage) => {
    await interleave(stage, (truth, index, r) => {
      for (const id of [21, 5]) {
        const v = randomUnit(r, dim);
        truth.put(1, id, v);
        index.upsert(1, id, v);
      }
    });
  });

  it("a remove after a table write that failed once it had committed", async () => {
    await interleave(
      "added",
      (truth, index) => {
        for (const id of [21, 5]) {
          truth.drop(1, id);
          index.remove(1, id);
        }
      },
      true,
    );
  });
});

describe("tiered index", () => {
  it("moves a tenant to lancedb past the threshold without losing writes made during the move, and reopens it there", async () => {
    const r = rng(53);
    const dir = tempDir();
    const truth = new Truth();
    for (let i = 1; i <= 5; i++) truth.put(2, i, randomUnit(r, dim));
    const lance = new LanceVectorIndex(lanceOptions(truth, dir));
    const index = new TieredVectorIndex(truth, lance, 40);
    expect(index.placement(1)).toBe("exact");
    for (let i = 1; i <= 40; i++) {
      const v = randomUnit(r, dim);
      truth.put(1, i, v);
      index.upsert(1, i, v);
    }
    expect(index.placement(1)).toBe("moving");
    // Writes while the table is being built go to both sides.
    const during = randomUnit(r, dim);
    truth.put(1, 41, during);
    index.upsert(1, 41, during);
    truth.drop(1, 2);
    index.remove(1, 2);
    const q = randomUnit(r, dim);
    expectSameHits(await index.search(1, q, 10), truth.nearest(1, q, 10));
    await lance.open(1);
    expect(index.placement(1)).toBe("lance");
    expect(index.placement(2)).toBe("exact");
    expectSameHits(await index.search(1, q, 50), truth.nearest(1, q, 50));
    expect((await index.search(1, during, 1))[0]).toMatchObject({ id: 41 });
    await index.close();

    const reopened = new TieredVectorIndex(truth, new LanceVectorIndex(lanceOptions(truth, dir)), 1000);
    open.push(reopened);
    expect(reopened.placement(1)).toBe("lance");
    expectSameHits(await reopened.search(1, q, 50), truth.nearest(1, q, 50));
  });
});

it("round-trips vectors through the blob codec", () => {
  const v = Float32Array.from([0.5, -1.25, 3e-8, 1e10]);
  expect(Array.from(decodeVector(encodeVector(v)))).toEqual(Array.from(v));
  expect(decodeVector(Buffer.concat([Buffer.alloc(1), encodeVector(v)]).subarray(1))).toEqual(v);
});
