import fs from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbedderError, OnnxEmbedder, PooledEmbedder, type EmbedderConfig } from "../index.js";
import { embeddingGraph, writeModelFolder } from "../../../test/fixtures/tiny-models.js";

/*
 * The pool runs real worker threads here too: from the TypeScript sources they start through
 * tsx (util/worker-script.ts). The model is the generated tiny ONNX encoder, so each worker
 * loads in milliseconds.
 */

let root: string;
let config: EmbedderConfig;
const pools: PooledEmbedder[] = [];
const pool = (options: { threads: number; worker?: URL }, cfg = config) => {
  const p = new PooledEmbedder(cfg, options);
  pools.push(p);
  return p;
};
const CRASHING_WORKER = new URL("../../../test/fixtures/crashing-embed-worker.js", import.meta.url);
const RECORDING_WORKER = new URL("../../../test/fixtures/recording-embed-worker.js", import.meta.url);
const TEXTS = ["The database server is down", "The DB host crashed", "I like pizza", "servers", "zebra memory"];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "engram-embed-pool-"));
  config = { kind: "onnx", dir: await writeModelFolder(path.join(root, "tiny"), { graph: embeddingGraph(), modelPath: "model_quantized.onnx" }) };
});

afterAll(async () => {
  delete process.env.ENGRAM_TEST_EMBED_LOG;
  await Promise.all(pools.map((p) => p.close()));
  await rm(root, { recursive: true, force: true });
});

// Worker threads start through tsx's transform on a shared machine: seconds, not milliseconds.
describe("PooledEmbedder (real worker threads)", { timeout: 60_000 }, () => {
  it("reports loading until every worker has loaded, then gives the embedder's own vectors", async () => {
    const pooled = pool({ threads: 2 });
    expect(pooled.id).toBe("onnx:tiny");
    expect(pooled.status()).toBe("loading");
    expect(() => pooled.dimension).toThrow(/load\(\)/);
    await Promise.all([pooled.load(), pooled.load()]);
    expect(pooled.status()).toBe("loaded");
    expect(pooled.dimension).toBe(8);

    const direct = await new OnnxEmbedder({ dir: (config as { dir: string }).dir }).embed(TEXTS);
    const vectors = await pooled.embed(TEXTS);
    expect(vectors.map((v) => Array.from(v))).toEqual(direct.map((v) => Array.from(v)));
    expect(await pooled.embed([])).toEqual([]);
  });

  it("answers every concurrent caller with its own vectors, in order", async () => {
    const pooled = pool({ threads: 1 });
    const direct = await new OnnxEmbedder({ dir: (config as { dir: string }).dir }).embed(TEXTS);
    // Twenty callers at once queue behind one worker and share its messages (up to 32 texts each).
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => pooled.embed([TEXTS[i % 5]!, TEXTS[(i + 1) % 5]!])));
    answers.forEach((vectors, i) => {
      expect(Array.from(vectors[0]!)).toEqual(Array.from(direct[i % 5]!));
      expect(Array.from(vectors[1]!)).toEqual(Array.from(direct[(i + 1) % 5]!));
    });
  });

  /** A loaded one-worker pool on the recording worker, and the groups of each message it was sent, read back. */
  async function recordedPool() {
    const log = path.join(root, `messages-${pools.length}.jsonl`);
    fs.writeFileSync(log, "");
    // A worker's environment is a copy of this thread's when it starts.
    process.env.ENGRAM_TEST_EMBED_LOG = log;
    const pooled = pool({ threads: 1, worker: RECORDING_WORKER });
    await pooled.load();
    const messages = () => fs.readFileSync(log, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as string[][]);
    return { pooled, messages };
  }
  const alone = async (text: string) => (await new OnnxEmbedder({ dir: (config as { dir: string }).dir }).embed([text]))[0]!;
  const expectSame = (a: Float32Array, b: Float32Array) => expect([...a].every((x, i) => Math.abs(x - b[i]!) < 1e-6)).toBe(true);

  it("gathers callers that arrive while the worker is busy into one message of up to 32 texts, each caller getting its own text's vector", async () => {
    const { pooled, messages } = await recordedPool();
    const texts = Array.from({ length: 41 }, (_, i) => `memory number ${i}: ${TEXTS[i % 5]}`);
    // 41 stores at once: the first goes alone to the idle worker, the other 40 wait and leave in two messages.
    const answers = await Promise.all(texts.map((t) => pooled.embed([t])));
    expect(messages().map((m) => m.length)).toEqual([1, 32, 8]);
    expect(messages().flat(2)).toEqual(texts);
    for (const [i, [v]] of answers.entries()) expectSame(v!, await alone(texts[i]!));
  });

  it("hands the texts to a worker within the embed() call: the worker has them while this thread is still busy", async () => {
    const { pooled, messages } = await recordedPool();
    const query = "where does the database backup go?";
    const vector = pooled.embed([query]);
    // A search goes on to run BM25 on this thread; a request still waiting for a microtask would reach no worker meanwhile.
    const until = Date.now() + 20_000;
    while (messages().length === 0 && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    expect(messages()).toEqual([[[query]]]);
    expectSame((await vector)[0]!, await alone(query));
  });

  it("fails the requests of a worker that dies with EmbedderError, and replaces the worker", async () => {
    const pooled = pool({ threads: 1, worker: CRASHING_WORKER });
    await pooled.load();
    const crashed = pooled.embed(["crash now"]);
    await expect(crashed).rejects.toBeInstanceOf(EmbedderError);
    await expect(crashed).rejects.toThrow(/embedding worker stopped \(exit code 70\)/);
    // The replacement loads its own model; meanwhile requests wait for it.
    expect(pooled.status()).toBe("loaded");
    const [v] = await pooled.embed(["The database server is down"]);
    expect(v).toHaveLength(8);
  });

  it("reports a model that cannot load as an error, and tries again on the next call", async () => {
    const pooled = pool({ threads: 2 }, { kind: "onnx", dir: path.join(root, "tiny"), onnxFile: "absent.onnx" });
    await expect(pooled.load()).rejects.toThrow(/ONNX file not found: tried .*absent\.onnx/);
    expect(pooled.status()).toBe("error");
    const again = pooled.embed(["still absent"]);
    expect(pooled.status()).toBe("loading");
    await expect(again).rejects.toBeInstanceOf(EmbedderError);
    expect(pooled.status()).toBe("error");
  });

  it("close() terminates the workers and fails what was waiting", async () => {
    const pooled = pool({ threads: 1 });
    await pooled.load();
    const waiting = expect(Promise.all([pooled.embed(TEXTS), pooled.embed(TEXTS)])).rejects.toThrow(/the embedder was closed/);
    await pooled.close();
    await waiting;
    await expect(pooled.embed(TEXTS)).rejects.toThrow(/the embedder was closed/);
  });
});
