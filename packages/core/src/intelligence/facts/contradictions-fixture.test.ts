import { describe, expect, it } from "vitest";
import { loadPairs, scoreContradictions } from "../../../test/support/contradiction-eval.js";

/**
 * The labelled set (test/fixtures/contradictions.json: 44 pairs, 24 that contradict) scored by the
 * rules path. Floors: precision ≥ 0.9 and recall ≥ 0.85, every detected pair of the right kind.
 * bench/contradictions.ts reports the same figures in bench/results/contradictions.json.
 */
describe("contradiction detection on the labelled pairs", () => {
  it("meets its precision and recall floors", async () => {
    const pairs = loadPairs();
    expect(pairs.length).toBeGreaterThanOrEqual(30);
    const score = await scoreContradictions(pairs);
    expect(score.precision, JSON.stringify(score.errors, null, 1)).toBeGreaterThanOrEqual(0.9);
    expect(score.recall, JSON.stringify(score.errors, null, 1)).toBeGreaterThanOrEqual(0.85);
    expect(score.kindAccuracy).toBe(1);
  });
});
