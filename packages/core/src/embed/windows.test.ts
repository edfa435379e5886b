import { describe, expect, it } from "vitest";
import { meanPool, tokenWindows, windowStarts } from "./windows.js";

const tokens = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("windows over a long text", () => {
  it("keeps a text that fits as one window", () => {
    expect(windowStarts(0, { size: 128, maxWindows: 8 })).toEqual([0]);
    expect(windowStarts(128, { size: 128, maxWindows: 8 })).toEqual([0]);
  });

  it("overlaps consecutive windows by a quarter and ends the last one on the last token", () => {
    // size 8: stride 6; 20 tokens need starts 0, 6, 12 (aligned to 20 - 8).
    expect(windowStarts(20, { size: 8, maxWindows: 8 })).toEqual([0, 6, 12]);
    expect(tokenWindows(tokens(20), { size: 8, maxWindows: 8 })).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7],
      [6, 7, 8, 9, 10, 11, 12, 13],
      [12, 13, 14, 15, 16, 17, 18, 19],
    ]);
  });

  it("covers every token with full windows while under the cap", () => {
    for (const n of [129, 200, 500, 1000]) {
      const windows = tokenWindows(tokens(n), { size: 128, maxWindows: 100 });
      expect(new Set(windows.flat()).size).toBe(n);
      expect(windows.every((w) => w.length === 128)).toBe(true);
    }
  });

  it("past the cap, spreads the windows evenly from the first token to the last", () => {
    // 10,000 tokens would need 104 windows of 128; 4 are spread over starts 0 … 9,872.
    expect(windowStarts(10_000, { size: 128, maxWindows: 4 })).toEqual([0, 3291, 6581, 9872]);
    expect(windowStarts(10_000, { size: 128, maxWindows: 1 })).toEqual([0]);
  });

  it("averages a text's window vectors and normalises the mean", () => {
    const pooled = meanPool([Float32Array.of(1, 0), Float32Array.of(0, 1)]);
    expect(pooled[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(pooled[1]).toBeCloseTo(Math.SQRT1_2, 6);
    const single = Float32Array.of(0.6, 0.8);
    expect(meanPool([single])).toBe(single);
  });
});
