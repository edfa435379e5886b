import { describe, expect, it } from "vitest";
import { packCandidates, packTokens, renderPrompt } from "./pack.js";

const c = (id: number, content: string, score: number) => ({ id, content, category: "general", score });

describe("packing", () => {
  it("estimates characters / 4, rounded up, plus 10; characters are code points", () => {
    expect(packTokens("")).toBe(10);
    expect(packTokens("abcde")).toBe(12);
    expect(packTokens("🙂🙂🙂🙂")).toBe(11);
  });

  it("packs each memory once at its best score, greedily, skipping what does not fit", () => {
    const packed = packCandidates([c(1, "x".repeat(40), 10), c(2, "y".repeat(400), 90), c(3, "z".repeat(8), 50), c(1, "x".repeat(40), 60)], 40);
    expect(packed.memories.map((m) => [m.id, m.score])).toEqual([
      [1, 60],
      [3, 50],
    ]);
    expect(packed.tokens).toBe(20 + 12);
  });

  it("ties keep the candidates' order", () => {
    expect(packCandidates([c(5, "a", 100), c(9, "b", 100)], 100).memories.map((m) => m.id)).toEqual([5, 9]);
  });

  it("an empty pack renders an empty block inside each wrapper", () => {
    const empty = { memories: [], tokens: 0 };
    expect(renderPrompt("raw", empty)).toBe("");
    expect(renderPrompt("llamaindex", empty)).toBe("[MEMORY CONTEXT]\n\n[/MEMORY CONTEXT]");
    expect(renderPrompt("anthropic", empty)).toContain('<engram-memories count="0" tokens="~0">');
  });
});
