import { describe, expect, it } from "vitest";
import {
  FSRS6_WEIGHTS,
  intervalDays,
  nextStorageStrength,
  retention,
  retrievability,
  review,
  type FsrsCard,
  type Grade,
} from "./model.js";

/*
 * The FSRS-6 formulas written out independently of ts-fsrs (from the published algorithm),
 * with the reference's weights, to check that the library computes what the reference does.
 */
const w = [0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796, 1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542] as const;
const at = (i: number) => w[i]!;
const f = 0.9 ** (-1 / at(20)) - 1;
const R = (t: number, s: number) => (1 + (f * t) / s) ** -at(20);
const clampD = (d: number) => Math.min(10, Math.max(1, d));
const clampS = (s: number) => Math.min(36500, Math.max(0.1, s));
const S0 = (g: Grade) => Math.max(at(g - 1), 0.1);
const D0raw = (g: number) => at(4) - Math.exp((g - 1) * at(5)) + 1;
const D0 = (g: Grade) => clampD(D0raw(g));
// Linear damping towards 10, then mean reversion towards D0(Easy).
const nextD = (d: number, g: Grade) => clampD(at(7) * D0raw(4) + (1 - at(7)) * (d + (-at(6) * (g - 3) * (10 - d)) / 9));
const recallS = (d: number, s: number, r: number, g: Grade) =>
  s * (1 + Math.exp(at(8)) * (11 - d) * s ** -at(9) * (Math.exp(at(10) * (1 - r)) - 1) * (g === 2 ? at(15) : 1) * (g === 4 ? at(16) : 1));
// Post-lapse stability never exceeds the pre-lapse one divided by e^(w17·w18).
const lapseS = (d: number, s: number, r: number) =>
  Math.min(at(11) * d ** -at(12) * ((s + 1) ** at(13) - 1) * Math.exp(at(14) * (1 - r)), s / Math.exp(at(17) * at(18)));
// Same-day review: S·e^(w17·(G−3+w18))·S^(−w19), never a loss for a successful recall.
const sameDayS = (s: number, g: Grade) => {
  const sinc = Math.exp(at(17) * (g - 3 + at(18))) * s ** -at(19);
  return s * (g >= 3 ? Math.max(sinc, 1) : sinc);
};

/** ts-fsrs rounds intermediate values to 8 decimals: agree to a millionth, relative. */
const expectNear = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(expected)));

const DAY = 86_400_000;
const t0 = new Date("2025-03-01T12:00:00.000Z");
const daysLater = (d: number) => new Date(t0.getTime() + d * DAY);

describe("FSRS-6 as configured from ts-fsrs", () => {
  it("uses the reference's weights", () => {
    expect([...FSRS6_WEIGHTS]).toEqual([...w]);
  });

  it("computes retrievability with the power law (1 + f·t/S)^(−w20)", () => {
    for (const s of [0.5, 2.3065, 40, 1000]) {
      for (const t of [0, 0.25, 1, 7, 100, 3650]) expect(retrievability(t, s)).toBeCloseTo(R(t, s), 7);
      // Stability is by definition the time at which R falls to 0.9.
      expect(retrievability(s, s)).toBeCloseTo(0.9, 7);
      expect(intervalDays(s)).toBeCloseTo(s, 6);
    }
    expect(R(1, 2.3065)).toBeLessThan(1);
    expect(retrievability(10, 2.3065)).toBeLessThan(retrievability(1, 2.3065));
  });

  it("sets initial stability and difficulty per grade", () => {
    for (const g of [1, 2, 3, 4] as const) {
      const c = review(null, g, t0);
      expect(c.stability).toBeCloseTo(S0(g), 8);
      expect(c.difficulty).toBeCloseTo(D0(g), 8);
      expect(c).toMatchObject({ reps: 1, lapses: 0, lastReview: t0 });
    }
    // Easy's raw initial difficulty is below 1 and is clamped.
    expect(D0raw(4)).toBeLessThan(1);
    expect(review(null, 4, t0).difficulty).toBe(1);
  });

  it("updates stability and difficulty on a recall after whole days, per grade", () => {
    const first = review(null, 3, t0);
    for (const g of [2, 3, 4] as const) {
      const next = review(first, g, daysLater(3));
      const r = R(3, first.stability);
      expectNear(next.stability, recallS(first.difficulty, first.stability, r, g));
      expectNear(next.difficulty, nextD(first.difficulty, g));
      expect(next.stability).toBeGreaterThan(first.stability);
      expect(next.reps).toBe(2);
    }
  });

  it("lowers stability on a lapse and counts it", () => {
    const first = review(null, 3, t0);
    const second = review(first, 3, daysLater(2));
    const lapse = review(second, 1, daysLater(12));
    const r = R(10, second.stability);
    expectNear(lapse.stability, lapseS(second.difficulty, second.stability, r));
    expect(lapse.stability).toBeLessThan(second.stability);
    expectNear(lapse.difficulty, nextD(second.difficulty, 1));
    expect(lapse).toMatchObject({ lapses: 1, reps: 3 });
  });

  it("applies the same-day rule for reviews on the day of the last one", () => {
    const again = review(null, 1, t0); // S = w0 = 0.212, small enough for a Good to raise it
    const good = review(again, 3, new Date(t0.getTime() + 3 * 3_600_000));
    expectNear(good.stability, sameDayS(again.stability, 3));
    expect(good.stability).toBeGreaterThan(again.stability);
    expectNear(good.difficulty, nextD(again.difficulty, 3));
    // A larger stability gains nothing from a second Good the same day (the mask keeps it).
    const learned = review(null, 3, t0);
    expect(sameDayS(learned.stability, 3)).toBe(learned.stability);
    expect(review(learned, 3, new Date(t0.getTime() + 60_000)).stability).toBeCloseTo(learned.stability, 8);
  });

  it("clamps stability to [0.1, 36500] and difficulty to [1, 10]", () => {
    const again = review(null, 1, t0);
    // A same-day Again on S = 0.212 would give about 0.083: below the floor.
    expect(sameDayS(again.stability, 1)).toBeLessThan(0.1);
    expect(review(again, 1, new Date(t0.getTime() + 60_000)).stability).toBe(0.1);
    const old: FsrsCard = { stability: 36_000, difficulty: 1, state: 2, reps: 40, lapses: 0, lastReview: t0 };
    expect(recallS(1, 36_000, R(36_000, 36_000), 4)).toBeGreaterThan(36_500);
    expect(review(old, 4, daysLater(36_000)).stability).toBe(36_500);
    let card: FsrsCard = review(null, 1, t0);
    for (let i = 1; i <= 30; i++) card = review(card, 1, daysLater(i));
    expect(card.difficulty).toBeLessThanOrEqual(10);
    expect(card.difficulty).toBeGreaterThan(9.9);
    expect(card.lapses).toBe(30);
  });
});

describe("dual-strength model", () => {
  it("grows storage strength by 0.1 per recall and 0.3 per lapse, up to 10", () => {
    expect(nextStorageStrength(1, 3)).toBeCloseTo(1.1, 10);
    expect(nextStorageStrength(1, 2)).toBeCloseTo(1.1, 10);
    expect(nextStorageStrength(1, 1)).toBeCloseTo(1.3, 10);
    expect(nextStorageStrength(9.95, 1)).toBe(10);
  });

  it("blends retention as 0.7·retrieval + 0.3·storage/10", () => {
    expect(retention(1, 1)).toBeCloseTo(0.73, 10);
    expect(retention(0.5, 10)).toBeCloseTo(0.65, 10);
    expect(retention(0, 4)).toBeCloseTo(0.12, 10);
  });
});
