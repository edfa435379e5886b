import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEngram, type Engram } from "../engram.js";
import { ManualClock } from "../util/clock.js";
import { storeInputSchema } from "../memory/schemas.js";

/**
 * After a model change the old model's vectors stay until re-embedding replaces them. The
 * black-box test (apps/server/test/embedding-model.test.ts) searches once re-embedding is done;
 * this one searches inside that window, with two models of the same dimension, where mixing
 * them would not even fail loudly.
 */

let dir: string;
let engram: Engram;
let user: number;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-model-window-"));
  const clock = new ManualClock(new Date("2025-06-01T12:00:00.000Z"));
  engram = createEngram({ dbPath: path.join(dir, "engram.db"), dbSynchronous: "normal", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2 }, { clock });
  user = engram.auth.bootstrap(undefined, undefined, undefined).user.id;
});

afterEach(() => {
  engram.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const store = (content: string, vector: number[]) => {
  const r = engram.memories.store(user, storeInputSchema.parse({ content }), Float32Array.from(vector));
  if (r.kind !== "stored") throw new Error(`not stored: ${content}`);
  return r.memory.id;
};

describe("vector search while another model's vectors remain", () => {
  it("searches the active model's vectors only", async () => {
    engram.vectors.activate({ id: "model-a", dimension: 4 });
    const old1 = store("the database server is down", [1, 0, 0, 0]);
    store("i like pizza", [0, 1, 0, 0]);

    engram.vectors.activate({ id: "model-b", dimension: 4 });
    const fresh = store("the agent stores facts about users", [0, 0, 1, 0]);
    expect(engram.vectors.counts()).toMatchObject({ vectors: 1, otherModels: 2, pending: 2 });

    // The query matches old1's model-a vector exactly; model-b has only `fresh`.
    const hits = await engram.vectors.search(user, Float32Array.from([1, 0, 0, 0]), 10);
    expect(hits.map((h) => h.id)).toEqual([fresh]);
    expect(hits.map((h) => h.id)).not.toContain(old1);
  });
});
