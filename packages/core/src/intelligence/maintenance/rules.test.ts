import { describe, expect, it } from "vitest";
import { bulletMerge, connectedGroups } from "./consolidation-text.js";
import { keeperOf } from "./duplicates.js";
import type { SimilarPair } from "./store.js";

describe("bulletMerge", () => {
  it("heads with the first source's first five words and keeps every source as one bullet line", () => {
    expect(bulletMerge(["The build cache lives on the NAS", "It is cleaned\n  every Sunday"])).toBe(
      "[Consolidated: The build cache lives on]\n- The build cache lives on the NAS\n- It is cleaned every Sunday",
    );
  });
});

describe("connectedGroups", () => {
  it("joins chains into one group and keeps separate components apart, most similar pair's group first", () => {
    expect(connectedGroups([[5, 3], [9, 8], [3, 1]])).toEqual([[1, 3, 5], [8, 9]]);
    expect(connectedGroups([])).toEqual([]);
  });
});

describe("keeperOf", () => {
  const pair = (over: Partial<SimilarPair>): SimilarPair => ({
    idA: 1, idB: 2, contentA: "", contentB: "", similarity: 1, importanceA: 5, importanceB: 5, createdA: "2026-01-01T00:00:00.000Z", createdB: "2026-01-02T00:00:00.000Z", ...over,
  });
  it("keeps the higher importance, then the older, then the lower id", () => {
    expect(keeperOf(pair({ importanceB: 7 }))).toEqual({ keep: 2, drop: 1 });
    expect(keeperOf(pair({}))).toEqual({ keep: 1, drop: 2 });
    expect(keeperOf(pair({ createdA: "2026-02-01T00:00:00.000Z" }))).toEqual({ keep: 2, drop: 1 });
    expect(keeperOf(pair({ idA: 9, createdB: "2026-01-01T00:00:00.000Z" }))).toEqual({ keep: 2, drop: 9 });
  });
});
