import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { embeddingGraph, writeModelFolder } from "../../../packages/core/test/fixtures/tiny-models.js";
import { api, bootstrap, startServer, tempDir } from "../../../test/support/server.js";
import { newTenant } from "../../../test/support/tenants.js";

type Client = ReturnType<typeof api>;

async function loaded(admin: Client) {
  for (;;) {
    const info = (await admin.get("/admin/embedding-info")).body;
    if (info.status === "loaded" && info.pending === 0) return info;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const vectorIds = async (c: Client, query: string) =>
  ((await c.post("/search", { query, channels: ["vector"], limit: 10 })).body.results as { id: number }[]).map((r) => r.id);

describe("vector search on the LanceDB backend", () => {
  it("reflects forgets, new versions and deletes at once, keeps tenants apart, and heals after a crash", async () => {
    const modelDir = await writeModelFolder(path.join(tempDir(), "tiny-bert"), { graph: embeddingGraph(), modelPath: "model_quantized.onnx" });
    // Threshold 0: every tenant's vectors live in a LanceDB table from its first search on; no
    // similarity floor, so every stored vector of the tenant is a candidate.
    const env = { ENGRAM_EMBEDDING_MODEL_DIR: modelDir, ENGRAM_LANCE_THRESHOLD: "0", ENGRAM_VECTOR_MIN_SIMILARITY: "-1", ENGRAM_RATE_LIMIT_ENABLED: "0" };
    const first = await startServer(env);
    const ids: Record<string, number> = {};
    let key: string;
    let bobs: number;
    let late: number;
    let updated: { status: number; body: { id: number } };
    try {
      key = await bootstrap(first.url);
      const admin = api(first.url, key);
      await loaded(admin);
      const alice = api(first.url, key);
      const bob = (await newTenant(first.url, admin, "bob")).api;

      for (const content of ["the database server is down", "i like pizza", "the agent stores facts about users", "quick fox"]) {
        ids[content] = (await alice.post("/store", { content })).body.id;
      }
      bobs = (await bob.post("/store", { content: "the database host crashed" })).body.id;

      // A memory's own text embeds to its own vector, so it ranks first whatever the tiny model's geometry.
      expect((await vectorIds(alice, "the database server is down"))[0]).toBe(ids["the database server is down"]);
      expect(await vectorIds(alice, "the database host crashed")).not.toContain(bobs);
      expect((await vectorIds(bob, "the database host crashed"))[0]).toBe(bobs);
      expect((await vectorIds(bob, "the database server is down")).filter((id) => id !== bobs)).toEqual([]);
      const lanceDir = path.join(first.dataDir, "lance");
      const [modelFolder] = fs.readdirSync(lanceDir);
      expect(fs.readdirSync(path.join(lanceDir, modelFolder!)).sort()).toEqual(["tenant_1.lance", "tenant_2.lance"]);

      expect((await alice.post(`/memory/${ids["the database server is down"]}/forget`, { reason: "fixed" })).status).toBe(200);
      expect(await vectorIds(alice, "the database server is down")).not.toContain(ids["the database server is down"]);

      updated = await alice.post(`/memory/${ids["i like pizza"]}/update`, { content: "i like pizza and the quick fox" });
      expect(updated.status).toBe(200);
      const afterUpdate = await vectorIds(alice, "i like pizza and the quick fox");
      expect(afterUpdate[0]).toBe(updated.body.id);
      expect(afterUpdate).not.toContain(ids["i like pizza"]);

      expect((await alice.del(`/memory/${ids["quick fox"]}`)).status).toBe(200);
      expect(await vectorIds(alice, "quick fox")).not.toContain(ids["quick fox"]);

      // Stored just before the crash below: the table has not been written yet.
      late = (await alice.post("/store", { content: "memory about users" })).body.id;
      expect((await vectorIds(alice, "memory about users"))[0]).toBe(late);
    } finally {
      // The crash: the process dies before the last store reaches the table (flushes wait a second).
      await first.stop("SIGKILL");
    }

    const second = await startServer(env, first.dataDir);
    try {
      const admin = api(second.url, key);
      await loaded(admin);
      expect((await vectorIds(admin, "memory about users"))[0]).toBe(late);
      expect(second.logs.some((l) => l.includes("vector table healed from SQLite"))).toBe(true);
      expect(await vectorIds(admin, "the database server is down")).not.toContain(ids["the database server is down"]);
      expect(await vectorIds(admin, "i like pizza")).not.toContain(ids["i like pizza"]);
      expect(await vectorIds(admin, "quick fox")).not.toContain(ids["quick fox"]);
      expect(await vectorIds(admin, "the database host crashed")).not.toContain(bobs);
      expect((await vectorIds(admin, "i like pizza and the quick fox"))[0]).toBe(updated.body.id);
    } finally {
      await second.stop();
    }
  });
});
