import { describe, expect, it } from "vitest";
import { cacheKey, ReadCache } from "../src/read-cache.js";

/** Expiry and eviction with an injected clock; the HTTP-level behaviour is in proxy.test.ts. */
describe("ReadCache", () => {
  it("expires an entry after its TTL", () => {
    let now = 1_000;
    const cache = new ReadCache({ maxEntries: 10, ttlMs: 500, now: () => now });
    cache.set("k", { v: 1 });
    now += 499;
    expect(cache.get("k")).toEqual({ v: 1 });
    now += 1;
    expect(cache.get("k")).toBeUndefined();
    expect(cache.stats()).toEqual({ entries: 0, hits: 1, misses: 1 });
  });

  it("evicts the least recently used entry when full", () => {
    const cache = new ReadCache({ maxEntries: 2, ttlMs: 10_000 });
    cache.set("a", 1);
    cache.set("b", 2);
    cache.get("a"); // b is now the least recently used
    cache.set("c", 3);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([1, undefined, 3]);
  });

  it("stores nothing with a TTL of 0", () => {
    const cache = new ReadCache({ maxEntries: 10, ttlMs: 0 });
    cache.set("k", 1);
    expect(cache.get("k")).toBeUndefined();
  });

  it("keys a request the same whatever its key order", () => {
    expect(cacheKey("/search", { query: "q", limit: 5, tags: ["a", "b"] })).toBe(cacheKey("/search", { tags: ["a", "b"], limit: 5, query: "q" }));
    expect(cacheKey("/search", { query: "q" })).not.toBe(cacheKey("/recall", { query: "q" }));
    expect(cacheKey("/search", { tags: ["a", "b"] })).not.toBe(cacheKey("/search", { tags: ["b", "a"] }));
  });
});
