import { describe, expect, it } from "vitest";
import { ExactVectorIndex } from "../src/vector/exact-index.js";
import { decodeVector, encodeVector, normalize } from "../src/vector/codec.js";

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

describe("exact vector index", () => {
  const dim = 16;

  it("returns the same top k as a brute-force sort, best first", () => {
    const r = rng(7);
    const vectors = Array.from({ length: 300 }, (_, i) => ({ id: i + 1, vector: randomUnit(r, dim) }));
    const index = new ExactVectorIndex(dim, () => vectors);
    const q = randomUnit(r, dim);
    const expected = vectors
      .map((v) => ({ id: v.id, score: dot(v.vector, q) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 10);
    const got = index.search(1, q, 10);
    expect(got.map((h) => h.id)).toEqual(expected.map((h) => h.id));
    for (const [i, h] of got.entries()) expect(h.score).toBeCloseTo(expected[i]!.score, 5);
  });

  it("loads each tenant lazily and never returns another tenant's vectors", () => {
    const r = rng(11);
    const loaded: number[] = [];
    const data = new Map([
      [1, [{ id: 10, vector: randomUnit(r, dim) }]],
      [2, [{ id: 20, vector: randomUnit(r, dim) }]],
    ]);
    const index = new ExactVectorIndex(dim, (userId) => {
      loaded.push(userId);
      return data.get(userId) ?? [];
    });
    expect(loaded).toEqual([]);
    expect(index.search(1, data.get(2)![0]!.vector, 5).map((h) => h.id)).toEqual([10]);
    expect(index.search(3, randomUnit(r, dim), 5)).toEqual([]);
    expect(loaded).toEqual([1, 3]);
  });

  it("reflects upserts and removes at once, keeping the rest searchable", () => {
    const r = rng(3);
    const index = new ExactVectorIndex(dim, () => []);
    index.size(1); // load the (empty) tenant so later upserts go to memory
    const vs = Array.from({ length: 100 }, () => randomUnit(r, dim));
    vs.forEach((v, i) => index.upsert(1, i + 1, v));
    expect(index.size(1)).toBe(100);
    expect(index.search(1, vs[41]!, 1)[0]!.id).toBe(42);
    index.remove(1, 42);
    expect(index.search(1, vs[41]!, 100).map((h) => h.id)).not.toContain(42);
    expect(index.size(1)).toBe(99);
    // The vector that was swapped into the freed slot is still found exactly.
    expect(index.search(1, vs[99]!, 1)[0]!).toMatchObject({ id: 100 });
    index.upsert(1, 7, vs[0]!);
    expect(index.search(1, vs[0]!, 2).map((h) => h.id).sort()).toEqual([1, 7]);
  });

  it("refuses vectors of another dimension", () => {
    const index = new ExactVectorIndex(dim, () => []);
    expect(() => index.search(1, new Float32Array(8), 3)).toThrow(/dimensions/);
    index.size(1);
    expect(() => index.upsert(1, 1, new Float32Array(8))).toThrow(/dimensions/);
  });

  it("round-trips vectors through the blob codec", () => {
    const v = Float32Array.from([0.5, -1.25, 3e-8, 1e10]);
    expect(Array.from(decodeVector(encodeVector(v)))).toEqual(Array.from(v));
    expect(decodeVector(Buffer.concat([Buffer.alloc(1), encodeVector(v)]).subarray(1))).toEqual(v);
  });
});
