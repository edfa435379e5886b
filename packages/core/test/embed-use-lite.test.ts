import { describe, expect, it } from "vitest";
import { createEmbedder } from "../src/embed/index.js";

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe("UseLiteEmbedder (the real Universal Sentence Encoder lite, shipped in npm)", () => {
  const embedder = createEmbedder({ kind: "use-lite" });

  it("loads offline and gives 512-dimension unit vectors", async () => {
    expect(embedder.id).toBe("use-lite-512");
    await embedder.load();
    expect(embedder.status()).toBe("loaded");
    const [v] = await embedder.embed(["The database server is down"]);
    expect(v).toHaveLength(512);
    expect(embedder.dimension).toBe(512);
    expect(Math.hypot(...v!)).toBeCloseTo(1, 5);
  });

  it("puts a paraphrase closer than an unrelated sentence", async () => {
    const [down, crashed, pizza] = await embedder.embed(["The database server is down", "The DB host crashed", "I like pizza"]);
    expect(dot(down!, crashed!)).toBeGreaterThan(dot(down!, pizza!) + 0.1);
  });

  it("gives the same vector for a text alone or in a batch", async () => {
    const texts = Array.from({ length: 40 }, (_, i) => `memory ${i}: the agent stores facts about users`);
    const batch = await embedder.embed(texts);
    expect(batch).toHaveLength(40);
    for (const i of [0, 33, 39]) {
      const [single] = await embedder.embed([texts[i]!]);
      Array.from(single!).forEach((x, d) => expect(batch[i]![d]).toBeCloseTo(x, 4));
    }
  });
});
