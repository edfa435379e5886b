import { describe, expect, it } from "vitest";
import { SearchCache } from "./search-cache.js";

describe("search cache", () => {
  it("evicts the least recently used entry of a tenant", () => {
    const cache = new SearchCache<string>(2);
    cache.set(1, "a", "A", 0);
    cache.set(1, "b", "B", 0);
    expect(cache.get(1, "a")).toBe("A"); // a is now the most recent
    cache.set(1, "c", "C", 0);
    expect(cache.get(1, "b")).toBeUndefined();
    expect(cache.get(1, "a")).toBe("A");
    expect(cache.get(1, "c")).toBe("C");
  });

  it("keeps tenants apart and empties only the tenant that wrote", () => {
    const cache = new SearchCache<string>(10);
    cache.set(1, "q", "one", 0);
    cache.set(2, "q", "two", 0);
    cache.invalidate(1);
    expect(cache.get(1, "q")).toBeUndefined();
    expect(cache.get(2, "q")).toBe("two");
  });

  it("refuses a ranking computed before the tenant's last write", () => {
    const cache = new SearchCache<string>(10);
    const started = cache.generation(1);
    cache.invalidate(1); // a write lands while the search runs
    cache.set(1, "q", "stale", started);
    expect(cache.get(1, "q")).toBeUndefined();
    cache.set(1, "q", "fresh", cache.generation(1));
    expect(cache.get(1, "q")).toBe("fresh");
  });
});
