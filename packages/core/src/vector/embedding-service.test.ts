import fs from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/index.js";
import { createEngram, type Engram } from "../engram.js";
import { PooledEmbedder, QueryEmbeddingCache } from "../embed/index.js";
import { EmbeddingService } from "./embedding-service.js";
import { embeddingGraph, writeModelFolder } from "../../test/fixtures/tiny-models.js";

/*
 * The embedding service over a real one-worker pool running the tiny generated ONNX model, on
 * the recording worker (the real worker, plus a file line per message it receives), so the
 * test sees which queries reached the worker, and when.
 */

const RECORDING_WORKER = new URL("../../test/fixtures/recording-embed-worker.js", import.meta.url);
const silent = { info: () => {}, warn: () => {} };
let root: string;
let log: string;
let engram: Engram;
let service: EmbeddingService;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "engram-embedding-service-"));
  const dir = await writeModelFolder(path.join(root, "tiny"), { graph: embeddingGraph(), modelPath: "model_quantized.onnx" });
  log = path.join(root, "messages.jsonl");
  fs.writeFileSync(log, "");
  process.env.ENGRAM_TEST_EMBED_LOG = log;
  engram = createEngram(loadConfig({ ENGRAM_DATA_DIR: path.join(root, "data"), ENGRAM_EMBEDDING_PROVIDER: "none" }));
  const pooled = new PooledEmbedder({ kind: "onnx", dir }, { threads: 1, worker: RECORDING_WORKER });
  service = new EmbeddingService(pooled, engram.vectors, silent, () => {}, new QueryEmbeddingCache(8));
  await service.start();
});

afterAll(async () => {
  delete process.env.ENGRAM_TEST_EMBED_LOG;
  await service.close();
  engram.close();
  await rm(root, { recursive: true, force: true });
});

const messages = () => fs.readFileSync(log, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as string[][]);

describe("EmbeddingService.embedQuery (real worker pool, tiny ONNX model)", { timeout: 60_000 }, () => {
  it("hands a query to the worker within the call, so the search's BM25 after it overlaps the embedding", async () => {
    const before = messages().length;
    const vector = service.embedQuery("who runs the nightly backup?");
    // This thread stays busy, as it is while BM25 runs; the worker must have the query meanwhile.
    const until = Date.now() + 20_000;
    while (messages().length === before && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    expect(messages().slice(before)).toEqual([[["who runs the nightly backup?"]]]);
    expect(await vector).toHaveLength(8);
  });

  it("answers a repeated query from the cache, without the worker, with a vector the caller may write into", async () => {
    const first = (await service.embedQuery("where is the kiln?"))!;
    const original = first.slice();
    const sent = messages().length;
    first.fill(0);
    const second = (await service.embedQuery("where is the kiln?"))!;
    expect(messages().length).toBe(sent);
    expect(second).toEqual(original);
    second.fill(0);
    expect(await service.embedQuery("where is the kiln?")).toEqual(original);
    // Another text is not a hit.
    await service.embedQuery("where is the kiln");
    expect(messages().length).toBe(sent + 1);
  });
});
