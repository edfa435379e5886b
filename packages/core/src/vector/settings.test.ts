import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { loadConfig } from "../config/index.js";
import { createEngram } from "../engram.js";
import { ManualClock } from "../util/clock.js";
import { storeInputSchema } from "../memory/schemas.js";
import { embeddingGraph, writeModelFolder } from "../../test/fixtures/tiny-models.js";

/**
 * ENGRAM_USE_LANCE_INDEX and ENGRAM_LANCE_THRESHOLD read from the environment as the server reads
 * them (loadConfig → createEngram), checked by where a tenant's vectors end up: a LanceDB table
 * under <data dir>/lance once the tenant holds the threshold's worth, or nowhere on disk.
 */

/** Unit vector along the sum of the given axes (6 dimensions). */
const vec = (...axes: [number, number][]) => {
  const v = new Float32Array(6);
  for (const [i, w] of axes) v[i] = w;
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

async function lanceTablesAfterFourVectors(env: Record<string, string>): Promise<string[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-vector-settings-"));
  const open = () => {
    const engram = createEngram(loadConfig({ ENGRAM_DATA_DIR: dataDir, ENGRAM_EMBEDDING_PROVIDER: "none", ...env }), {
      clock: new ManualClock(new Date("2025-06-01T12:00:00.000Z")),
    });
    engram.vectors.activate({ id: "test-6d", dimension: 6 });
    return engram;
  };
  // Stored, then reopened: the first search of the reopened store places the tenant by its count
  // and, on LanceDB, waits for its table to be built from SQLite.
  const first = open();
  const alice = first.auth.createUser("alice", undefined, "writer").id;
  const notes = ["the kiln needs a new thermocouple", "the garden hose leaks at the tap", "invoice 42 is overdue", "restring the guitar"];
  notes.forEach((content, i) => expect(first.memories.store(alice, storeInputSchema.parse({ content }), vec([i, 1])).kind).toBe("stored"));
  await first.vectors.close();
  first.close();
  const second = open();
  const hits = await second.vectors.search(alice, vec([0, 1]), 2);
  expect(hits[0]).toMatchObject({ score: expect.closeTo(1, 5) });
  await second.vectors.close();
  second.close();
  const lanceDir = path.join(dataDir, "lance");
  if (!fs.existsSync(lanceDir)) return [];
  return fs.readdirSync(lanceDir).flatMap((folder) => fs.readdirSync(path.join(lanceDir, folder)));
}

describe("ENGRAM_USE_LANCE_INDEX / ENGRAM_LANCE_THRESHOLD", () => {
  it.each([
    [{ ENGRAM_LANCE_THRESHOLD: "2" }, ["tenant_1.lance"]],
    [{ ENGRAM_LANCE_THRESHOLD: "2", ENGRAM_USE_LANCE_INDEX: "false" }, []],
    [{}, []],
  ])("%j: a tenant with four vectors has the LanceDB tables %j", async (env, tables) => {
    expect(await lanceTablesAfterFourVectors(env)).toEqual(tables);
  });
});

describe("ENGRAM_QUERY_EMBED_CACHE (tiny ONNX model on the real worker pool)", () => {
  /**
   * Embedder calls for the same question searched twice, as two different searches (another
   * limit, so the tenant's cache of rankings does not answer the second).
   */
  async function embedderCalls(env: Record<string, string>): Promise<number> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "engram-query-cache-settings-"));
    const dir = await writeModelFolder(path.join(root, "tiny"), { graph: embeddingGraph(), modelPath: "model_quantized.onnx" });
    const engram = createEngram(loadConfig({ ENGRAM_DATA_DIR: path.join(root, "data"), ENGRAM_EMBEDDING_MODEL_DIR: dir, ENGRAM_EMBEDDING_THREADS: "1", ...env }));
    try {
      await engram.embedding.start();
      const alice = engram.auth.createUser("alice", undefined, "writer").id;
      const content = "the kiln needs a new thermocouple";
      engram.memories.store(alice, storeInputSchema.parse({ content }), (await engram.embedding.embed([content]))![0]!);
      const calls = vi.spyOn(engram.embedding.embedder!, "embed");
      for (const limit of [5, 6]) {
        const result = await engram.search.search(alice, { query: "what does the kiln need?", limit });
        expect(result).toMatchObject({ embedded: true, cached: false });
      }
      return calls.mock.calls.length;
    } finally {
      await engram.embedding.close();
      engram.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  }

  it("default (1024): the second search of a question does not reach the embedder; =0: it does", async () => {
    expect(await embedderCalls({})).toBe(1);
    expect(await embedderCalls({ ENGRAM_QUERY_EMBED_CACHE: "0" })).toBe(2);
  }, 60_000);
});
