import { describe, expect, it } from "vitest";
import { LazyLoad } from "./lazy-load.js";

describe("LazyLoad", () => {
  it("runs one load for concurrent callers and keeps its value", async () => {
    let calls = 0;
    let release!: (v: number) => void;
    const lazy = new LazyLoad(() => {
      calls++;
      return new Promise<number>((resolve) => (release = resolve));
    });
    expect(lazy.status()).toBe("loading");
    expect(lazy.peek()).toBeUndefined();
    const a = lazy.get();
    const b = lazy.get();
    release(42);
    expect(await Promise.all([a, b])).toEqual([42, 42]);
    expect(await lazy.get()).toBe(42);
    expect(calls).toBe(1);
    expect(lazy.status()).toBe("loaded");
    expect(lazy.peek()).toBe(42);
  });

  it("reports a failed load as an error and tries again on the next call", async () => {
    let calls = 0;
    const lazy = new LazyLoad(async () => {
      calls++;
      if (calls === 1) throw new Error("endpoint down");
      return "ready";
    });
    await expect(lazy.get()).rejects.toThrow("endpoint down");
    expect(lazy.status()).toBe("error");
    const retry = lazy.get();
    expect(lazy.status()).toBe("loading");
    expect(await retry).toBe("ready");
    expect(lazy.status()).toBe("loaded");
    expect(calls).toBe(2);
  });
});
