import path from "node:path";
import { describe, expect, it } from "vitest";
import { embeddingGraph, writeModelFolder } from "../../../packages/core/test/fixtures/tiny-models.js";
import { api, bootstrap, logged, startServer, tempDir, type RunningServer } from "../../../test/support/server.js";

type Client = ReturnType<typeof api>;

/**
 * Waits for the model to be logged as loaded, then for the backfill to empty the queue: the
 * pending count is polled until that event, bounded by the test's timeout, not by a time budget.
 */
async function settled(server: RunningServer, admin: Client) {
  await logged(server, "embedding model loaded");
  for (;;) {
    const info = (await admin.get("/admin/embedding-info")).body;
    if (info.status !== "loading" && info.pending === 0) return info;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("embedding models", () => {
  it("re-embeds on a model change and never mixes vectors of two models", async () => {
    const first = await startServer();
    const key = await bootstrap(first.url);
    let admin = api(first.url, key);
    for (const content of ["the database server is down", "i like pizza", "the agent stores facts about users"]) {
      expect((await admin.post("/store", { content })).body.embedded).toBe(true);
    }
    expect(await settled(first, admin)).toMatchObject({ model: "use-lite-512", dimension: 512, vectors: 3, pending: 0 });
    await first.stop();

    // The same database under a small ONNX model the test generates (8 dimensions).
    const modelDir = await writeModelFolder(path.join(tempDir(), "tiny-bert"), { graph: embeddingGraph(), modelPath: "model_quantized.onnx" });
    const second = await startServer({ ENGRAM_EMBEDDING_MODEL_DIR: modelDir }, first.dataDir);
    try {
      admin = api(second.url, key);
      const info = await settled(second, admin);
      expect(info).toMatchObject({ model: "onnx:tiny-bert", dimension: 8, vectors: 3, pending: 0, other_model_vectors: 0 });

      const wrongDim = await admin.post("/store", { content: "a vector from the old model", embedding: new Array(512).fill(0.01) });
      expect(wrongDim.status).toBe(400);
      expect(wrongDim.body.error).toBe("embedding: has 512 dimensions; the active model onnx:tiny-bert has 8");
      const ownVector = await admin.post("/store", { content: "quick fox", embedding: [1, 0, 0, 0, 0, 0, 0, 0] });
      expect(ownVector.body).toMatchObject({ stored: true, embedded: true });

      const hits = (await admin.post("/search/explain", { query: "db host crashed", channels: ["vector"] })).body.results;
      expect(hits.length).toBeGreaterThan(0);
      expect(hits.every((h: { scores: { vector: number } }) => h.scores.vector <= 1.0001)).toBe(true);

      const job = await admin.post("/admin/reembed");
      expect(job.status).toBe(202);
      let state = job.body;
      while (state.state === "running") state = (await admin.get(`/admin/reembed/${job.body.job_id}`)).body;
      expect(state).toMatchObject({ state: "done", error: null });
    } finally {
      await second.stop();
    }
  });

  it("runs lexical-only when embeddings are switched off", async () => {
    const server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
    try {
      const admin = api(server.url, await bootstrap(server.url));
      const stored = await admin.post("/store", { content: "The coffee machine is on the third floor" });
      expect(stored.body.embedded).toBe(false);
      expect((await admin.get("/admin/embedding-info")).body).toMatchObject({ model: null, status: "disabled", vectors: 0 });
      expect((await admin.get("/health/ready")).body.checks.embedder).toBe("disabled");
      expect((await admin.post("/admin/reembed")).status).toBe(409);
      const res = (await admin.post("/search", { query: "where is the coffee machine" })).body;
      expect(res.results[0]).toMatchObject({ id: stored.body.id, search_type: "fts" });
    } finally {
      await server.stop();
    }
  });

  it("refuses an ONNX provider without a model folder, naming the variable", async () => {
    await expect(startServer({ ENGRAM_EMBEDDING_PROVIDER: "onnx" })).rejects.toThrow(/ENGRAM_EMBEDDING_MODEL_DIR/);
  });
});
