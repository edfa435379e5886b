import { describe, expect, it } from "vitest";
import { TenantMatrix } from "./exact-index.js";
import type { VectorHit } from "./vector-index.js";

/** Deterministic pseudo-random numbers in [-0.5, 0.5) (mulberry32), so failures reproduce. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

/** The plain scan TenantMatrix replaced: every row's dot product in a double, left to right, kept in a sorted buffer of k. */
function plainScan(rows: Map<number, Float32Array>, q: Float32Array, k: number): VectorHit[] {
  const top: VectorHit[] = [];
  for (const [id, v] of rows) {
    let dot = 0;
    for (let j = 0; j < v.length; j++) dot += v[j]! * q[j]!;
    if (top.length < k || dot > top[top.length - 1]!.score) {
      let pos = top.length < k ? top.length : top.length - 1;
      if (top.length < k) top.push({ id: 0, score: 0 });
      while (pos > 0 && top[pos - 1]!.score < dot) {
        top[pos] = top[pos - 1]!;
        pos--;
      }
      top[pos] = { id, score: dot };
    }
  }
  return top;
}

/**
 * `count` vectors of `dim` floats scaled to `norm`, in families of near-twins: each family is
 * one random vector and copies of it moved by a few float32 steps in random coordinates, so
 * their exact scores differ by less than the fast pass's float32 rounding, plus exact copies
 * (ties that must keep the earlier row first).
 */
function nearTwins(r: () => number, count: number, dim: number, norm: number): Float32Array[] {
  const out: Float32Array[] = [];
  while (out.length < count) {
    const base = Float32Array.from({ length: dim }, r);
    const scale = norm / Math.hypot(...base);
    for (let j = 0; j < dim; j++) base[j] = base[j]! * scale;
    out.push(base);
    for (let t = 0; t < 6 && out.length < count; t++) {
      const twin = Float32Array.from(base);
      for (let c = 0; c < 3; c++) {
        const j = Math.floor((r() + 0.5) * dim);
        twin[j] = twin[j]! * (1 + (r() < 0 ? -1 : 1) * 2 ** -22);
      }
      out.push(t === 0 ? Float32Array.from(base) : twin);
    }
  }
  return out;
}

describe("the exact scan's fast pass (SIMD float32, then exact rescoring)", () => {
  for (const [dim, norm] of [
    [512, 1],
    [384, 1],
    [100, 1],
    [7, 1],
    [64, 30],
  ] as const) {
    it(`returns the plain scan's hits, order and scores bit for bit (${dim} dimensions, norm ${norm})`, () => {
      const r = rng(dim * 31 + norm);
      const vectors = nearTwins(r, 700, dim, norm);
      const matrix = new TenantMatrix(dim);
      const rows = new Map<number, Float32Array>();
      // Ids out of order, and growth from the initial 64 rows.
      vectors.forEach((v, i) => {
        const id = ((i * 7919) % 5000) + 1;
        matrix.upsert(id, v);
        rows.set(id, v);
      });
      // Removes move the last row into the hole; re-adding puts a row at the end.
      for (const id of [...rows.keys()].filter((_, i) => i % 5 === 0)) {
        matrix.remove(id);
        rows.delete(id);
      }
      // The plain scan visited rows in the matrix's order (ties keep the earlier row first).
      const inMatrixOrder = new Map([...matrix.entries()].map(({ id }) => [id, rows.get(id)!]));
      expect(inMatrixOrder.size).toBe(rows.size);
      for (let i = 0; i < 40; i++) {
        // Queries near a family's vector, where the near-twins compete for the last places.
        const q = Float32Array.from(vectors[Math.floor((r() + 0.5) * vectors.length)]!, (x) => x / norm + r() * 0.01);
        for (const k of [1, 3, 10, 100]) expect(matrix.search(q, k)).toEqual(plainScan(inMatrixOrder, q, k));
      }
    });
  }

  it("answers an empty matrix and a k larger than the matrix", () => {
    const matrix = new TenantMatrix(4);
    expect(matrix.search(Float32Array.from([1, 0, 0, 0]), 5)).toEqual([]);
    matrix.upsert(1, Float32Array.from([0, 1, 0, 0]));
    matrix.upsert(2, Float32Array.from([1, 0, 0, 0]));
    expect(matrix.search(Float32Array.from([1, 0, 0, 0]), 5)).toEqual([
      { id: 2, score: 1 },
      { id: 1, score: 0 },
    ]);
  });
});
