import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEngram, type Engram } from "../engram.js";
import { storeInputSchema } from "../memory/index.js";
import { ManualClock } from "../util/index.js";

/**
 * createEngram subscribes each view of a tenant's memories to MemoryEvents: these fail when a
 * subscription is missing (the views would answer from before the write).
 */
let dir: string;
let engram: Engram;
let alice: number;

const unit = (...v: number[]) => {
  const n = Math.hypot(...v);
  return new Float32Array(v.map((x) => x / n));
};

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-events-"));
  engram = createEngram(
    { dbPath: path.join(dir, "engram.db"), dbSynchronous: "normal", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2 },
    { clock: new ManualClock(new Date("2025-06-01T12:00:00.000Z")) },
  );
  alice = engram.auth.bootstrap(undefined, undefined, undefined).user.id;
});

afterEach(() => {
  engram.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const store = (content: string, vector: Float32Array | null = null) => {
  const r = engram.memories.store(alice, storeInputSchema.parse({ content }), vector);
  if (r.kind !== "stored") throw new Error(`not stored: ${content}`);
  return r.memory.id;
};

describe("a write reaches every view of the tenant's memories", () => {
  it("the search cache: a cached ranking is dropped when a memory is stored or deleted", async () => {
    const first = store("the billing service runs on Postgres");
    const ids = async () => (await engram.search.search(alice, { query: "billing Postgres", limit: 10 })).hits.map((h) => h.memory.id);
    expect(await ids()).toEqual([first]);
    const second = store("billing moved to Postgres 16 in March");
    expect((await ids()).sort()).toEqual([first, second].sort());
    engram.memories.delete(alice, second);
    expect(await ids()).toEqual([first]);
  });

  it("the vector index: a stored vector is searchable at once, a deleted memory's vector is gone", async () => {
    engram.vectors.activate({ id: "test-model", dimension: 3 });
    expect(await engram.vectors.search(alice, unit(1, 0, 0), 5)).toEqual([]);
    const id = store("a memory with a vector", unit(1, 0.1, 0));
    expect((await engram.vectors.search(alice, unit(1, 0, 0), 5)).map((h) => h.id)).toEqual([id]);
    engram.memories.delete(alice, id);
    expect(await engram.vectors.search(alice, unit(1, 0, 0), 5)).toEqual([]);
  });
});
