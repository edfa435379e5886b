import { describe, expect, it } from "vitest";
import { fuse, RRF_K } from "./fusion.js";

describe("weighted reciprocal rank fusion", () => {
  it("sums w / (k + rank) over the channels that ranked a document", () => {
    const fused = fuse([
      { channel: "fts", weight: 1, hits: [{ id: 1, score: 9 }, { id: 2, score: 5 }] },
      { channel: "vector", weight: 0.5, hits: [{ id: 2, score: 0.8 }, { id: 3, score: 0.6 }] },
    ]);
    const best = 1 / (RRF_K + 1) + 0.5 / (RRF_K + 1);
    const raw = { 1: 1 / (RRF_K + 1), 2: 1 / (RRF_K + 2) + 0.5 / (RRF_K + 1), 3: 0.5 / (RRF_K + 2) };
    expect(fused.map((f) => f.id)).toEqual([2, 1, 3]);
    for (const f of fused) expect(f.score).toBeCloseTo(raw[f.id as 1 | 2 | 3] / best, 12);
    expect(fused[0]!.channels).toEqual({ fts: { rank: 2, score: 5 }, vector: { rank: 1, score: 0.8 } });
    expect(fused[1]!.channels.vector).toBeUndefined();
  });

  it("scores a first place in every channel as 1", () => {
    const fused = fuse([
      { channel: "fts", weight: 1, hits: [{ id: 7, score: 1 }] },
      { channel: "vector", weight: 0.1, hits: [{ id: 7, score: 0.9 }] },
    ]);
    expect(fused).toEqual([{ id: 7, score: 1, channels: { fts: { rank: 1, score: 1 }, vector: { rank: 1, score: 0.9 } } }]);
  });

  it("lets a heavier channel win a tie of ranks", () => {
    const fused = fuse([
      { channel: "fts", weight: 1, hits: [{ id: 1, score: 1 }] },
      { channel: "vector", weight: 0.1, hits: [{ id: 2, score: 1 }] },
    ]);
    expect(fused.map((f) => f.id)).toEqual([1, 2]);
  });

  it("ignores empty channels when scaling, and returns nothing for no evidence", () => {
    expect(fuse([{ channel: "fts", weight: 1, hits: [] }, { channel: "vector", weight: 0.1, hits: [] }])).toEqual([]);
    const onlyVector = fuse([
      { channel: "fts", weight: 1, hits: [] },
      { channel: "vector", weight: 0.1, hits: [{ id: 4, score: 0.5 }] },
    ]);
    expect(onlyVector[0]!.score).toBe(1);
  });
});
