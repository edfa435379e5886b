import { describe, expect, it } from "vitest";
import { QueryEmbeddingCache } from "./query-cache.js";

const v = (...xs: number[]) => Float32Array.from(xs);

describe("QueryEmbeddingCache", () => {
  it("keys by model and text: another model's vector for the same text is not served", () => {
    const cache = new QueryEmbeddingCache(4);
    cache.set("use-lite-512", "where is the kiln?", v(1, 0));
    expect(cache.get("use-lite-512", "where is the kiln?")).toEqual(v(1, 0));
    expect(cache.get("onnx:bge-small", "where is the kiln?")).toBeUndefined();
    expect(cache.get("use-lite-512", "where is the kiln")).toBeUndefined();
  });

  it("drops the least recently used entry, counting a hit as a use", () => {
    const cache = new QueryEmbeddingCache(2);
    cache.set("m", "a", v(1));
    cache.set("m", "b", v(2));
    cache.get("m", "a");
    cache.set("m", "c", v(3));
    expect(cache.get("m", "b")).toBeUndefined();
    expect(cache.get("m", "a")).toEqual(v(1));
    expect(cache.get("m", "c")).toEqual(v(3));
  });

  it("copies in and out: writing into a vector given or received changes nothing cached", () => {
    const cache = new QueryEmbeddingCache(2);
    const given = v(1, 2);
    cache.set("m", "q", given);
    given.fill(9);
    const first = cache.get("m", "q")!;
    first.fill(7);
    expect(cache.get("m", "q")).toEqual(v(1, 2));
  });

  it("keeps nothing at size 0", () => {
    const cache = new QueryEmbeddingCache(0);
    cache.set("m", "q", v(1));
    expect(cache.get("m", "q")).toBeUndefined();
  });
});
