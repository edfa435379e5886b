import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UseLiteEmbedder } from "../embed/index.js";
import { decideCase, loadGuardCases, scoreSignal } from "./guard-cases.js";
import { EmbeddingMeaning } from "./guard-meaning.js";
import type { GuardSignal } from "./guard.js";

/**
 * The guard's floors on the labelled set (guard-cases.json, 48 cases of our own making). Block
 * is decided by words alone, so its figures hold with or without a model; the embedder only
 * raises allow to warn. The floors sit just under what the set measures (README, Benchmarks).
 */
const cases = loadGuardCases();
const embedder = new UseLiteEmbedder();
let decided: { expected: GuardSignal; decided: GuardSignal; critical: boolean }[] = [];
let wordsOnly: { expected: GuardSignal; decided: GuardSignal; critical: boolean }[] = [];

beforeAll(async () => {
  await embedder.load();
  const meaning = new EmbeddingMeaning((texts) => embedder.embed(texts), () => embedder.id);
  for (const c of cases) {
    decided.push({ expected: c.expected, decided: await decideCase(c, meaning), critical: c.critical });
    wordsOnly.push({ expected: c.expected, decided: await decideCase(c, null), critical: c.critical });
  }
}, 120_000);
afterAll(() => embedder.close?.());

describe("the labelled guard set", () => {
  it("has at least 40 cases, critical ones among them, every decision represented", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(cases.filter((c) => c.critical).length).toBeGreaterThanOrEqual(10);
    expect(cases.every((c) => !c.critical || c.expected === "block")).toBe(true);
    for (const s of ["allow", "warn", "block"]) expect(cases.some((c) => c.expected === s)).toBe(true);
  });

  it("blocks every critical case: destructive commands against a path or host a rule names", () => {
    const critical = decided.filter((d) => d.critical);
    expect(scoreSignal(critical, "block").recall).toBe(1);
    expect(scoreSignal(wordsOnly.filter((d) => d.critical), "block").recall).toBe(1);
  });

  it("block precision ≥ 0.85 and recall ≥ 0.9 over the whole set, with or without the embedder", () => {
    for (const set of [decided, wordsOnly]) {
      const block = scoreSignal(set, "block");
      expect(block.precision).toBeGreaterThanOrEqual(0.85);
      expect(block.recall).toBeGreaterThanOrEqual(0.9);
    }
  });

  it("meaning raises warnings the words miss, and never turns anything into a block", () => {
    const warnWords = scoreSignal(wordsOnly, "warn");
    const warnMeaning = scoreSignal(decided, "warn");
    expect(warnMeaning.recall).toBeGreaterThanOrEqual(0.7);
    expect(warnMeaning.recall).toBeGreaterThan(warnWords.recall);
    expect(warnMeaning.precision).toBeGreaterThanOrEqual(0.4);
    decided.forEach((d, i) => {
      if (d.decided === "block") expect(wordsOnly[i]!.decided).toBe("block");
    });
  });
});
