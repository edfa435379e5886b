import fs from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/index.js";
import { createEngram } from "../engram.js";
import { OnnxEmbedder, UseLiteEmbedder } from "./index.js";
import { embeddingGraph, writeModelFolder } from "../../test/fixtures/tiny-models.js";

/**
 * ENGRAM_EMBEDDING_MAX_SEQ and ENGRAM_EMBEDDING_MAX_WINDOWS read from the environment as the
 * server reads them (loadConfig → createEngram), checked by the vector the engram's embedder
 * gives a long text with a tiny generated ONNX model: it must equal the vector of an embedder
 * built with those windows, and differ from the default's.
 */

let root: string;
let modelDir: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "engram-embed-settings-"));
  modelDir = await writeModelFolder(path.join(root, "tiny-mean"), { graph: embeddingGraph(), modelPath: "onnx/model_quantized.onnx" });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** 12 tokens: several windows at a small maxSeq, one at the default. */
const TEXT = "the database server is down the db host crashed i like pizza";

async function engramVector(env: Record<string, string>): Promise<Float32Array> {
  const dataDir = fs.mkdtempSync(path.join(root, "data-"));
  const engram = createEngram(loadConfig({ ENGRAM_DATA_DIR: dataDir, ENGRAM_EMBEDDING_MODEL_DIR: modelDir, ENGRAM_EMBEDDING_THREADS: "1", ...env }));
  try {
    await engram.embedding.start();
    expect(engram.embedding.status()).toBe("loaded");
    const [v] = (await engram.embedding.embed([TEXT]))!;
    return v!;
  } finally {
    await engram.embedding.close();
    engram.close();
  }
}

const reference = async (opts: { maxSeq?: number; maxWindows?: number }) => (await new OnnxEmbedder({ dir: modelDir, ...opts }).embed([TEXT]))[0]!;
const expectClose = (a: Float32Array, b: Float32Array) => expect([...a].map((x, i) => Math.abs(x - b[i]!)).every((d) => d < 1e-5)).toBe(true);
const expectApart = (a: Float32Array, b: Float32Array) => expect([...a].some((x, i) => Math.abs(x - b[i]!) > 1e-3)).toBe(true);

describe("ENGRAM_EMBEDDING_MAX_SEQ / ENGRAM_EMBEDDING_MAX_WINDOWS (tiny ONNX model)", () => {
  it("MAX_SEQ=5 reads the text in windows of 5 tokens: the vector of an embedder with maxSeq 5, not the default's", async () => {
    const v = await engramVector({ ENGRAM_EMBEDDING_MAX_SEQ: "5" });
    expectClose(v, await reference({ maxSeq: 5 }));
    expectApart(v, await engramVector({}));
  });

  it("MAX_WINDOWS=2 with MAX_SEQ=5 reads two windows spread over the text, not the default's four", async () => {
    const v = await engramVector({ ENGRAM_EMBEDDING_MAX_SEQ: "5", ENGRAM_EMBEDDING_MAX_WINDOWS: "2" });
    expectClose(v, await reference({ maxSeq: 5, maxWindows: 2 }));
    expectApart(v, await reference({ maxSeq: 5 }));
  });
});

describe("ENGRAM_EMBEDDING_THREADS (tiny ONNX model; Linux, counts /proc/self/task)", () => {
  const threadsNow = () => fs.readdirSync("/proc/self/task").length;
  async function threadsAdded(threads: string): Promise<number> {
    const engram = createEngram(loadConfig({ ENGRAM_DATA_DIR: fs.mkdtempSync(path.join(root, "data-")), ENGRAM_EMBEDDING_MODEL_DIR: modelDir, ENGRAM_EMBEDDING_THREADS: threads }));
    try {
      const before = threadsNow();
      await engram.embedding.start();
      expect(engram.embedding.status()).toBe("loaded");
      return threadsNow() - before;
    } finally {
      await engram.embedding.close();
      engram.close();
    }
  }

  it.runIf(fs.existsSync("/proc/self/task"))("=3 starts more threads than =1: a worker, with its own model, per thread", async () => {
    const one = await threadsAdded("1");
    const three = await threadsAdded("3");
    expect(one).toBeGreaterThanOrEqual(1);
    // Each worker is at least one more OS thread.
    expect(three).toBeGreaterThanOrEqual(one + 2);
  });
});

describe("ENGRAM_EMBEDDING_POOLING / ENGRAM_EMBEDDING_ONNX_FILE (tiny ONNX model)", () => {
  it("POOLING=cls embeds with the first token's state: the vector of a cls embedder, not the folder's mean", async () => {
    const v = await engramVector({ ENGRAM_EMBEDDING_POOLING: "cls" });
    expectClose(v, (await new OnnxEmbedder({ dir: modelDir, pooling: "cls" }).embed([TEXT]))[0]!);
    expectApart(v, await engramVector({}));
  });

  it("ONNX_FILE names the model file the folder holds: loaded with it, not without it", async () => {
    const dir = await writeModelFolder(path.join(root, "tiny-custom"), { graph: embeddingGraph(), modelPath: "onnx/custom-export.onnx" });
    const status = async (env: Record<string, string>) => {
      const engram = createEngram(loadConfig({ ENGRAM_DATA_DIR: fs.mkdtempSync(path.join(root, "data-")), ENGRAM_EMBEDDING_MODEL_DIR: dir, ENGRAM_EMBEDDING_THREADS: "1", ...env }));
      try {
        await engram.embedding.start();
        return engram.embedding.status();
      } finally {
        await engram.embedding.close();
        engram.close();
      }
    };
    expect(await status({ ENGRAM_EMBEDDING_ONNX_FILE: "custom-export.onnx" })).toBe("loaded");
    expect(await status({})).not.toBe("loaded");
  });
});

describe("ENGRAM_EMBEDDING_MAX_SEQ / _MAX_WINDOWS with USE-lite (the bundled model)", () => {
  /** About 60 USE-lite tokens: one window at the default 128, several at 16. */
  const LONG = "the billing service runs on Postgres 15 in Frankfurt and the nightly backup goes to a bucket in Dublin while the search cluster in Paris keeps a replica of every index for the support team";

  async function useLiteVector(env: Record<string, string>): Promise<Float32Array> {
    const engram = createEngram(loadConfig({ ENGRAM_DATA_DIR: fs.mkdtempSync(path.join(root, "data-")), ENGRAM_EMBEDDING_PROVIDER: "use-lite", ENGRAM_EMBEDDING_THREADS: "1", ...env }));
    try {
      await engram.embedding.start();
      expect(engram.embedding.status()).toBe("loaded");
      return (await engram.embedding.embed([LONG]))![0]!;
    } finally {
      await engram.embedding.close();
      engram.close();
    }
  }

  it("MAX_SEQ=16 embeds windows of 16 tokens (the vector of a 16-token embedder, not the default's); MAX_WINDOWS=2 keeps two of them", async () => {
    const short = await useLiteVector({ ENGRAM_EMBEDDING_MAX_SEQ: "16" });
    expectClose(short, (await new UseLiteEmbedder({ maxSeq: 16 }).embed([LONG]))[0]!);
    expectApart(short, await useLiteVector({}));
    const two = await useLiteVector({ ENGRAM_EMBEDDING_MAX_SEQ: "16", ENGRAM_EMBEDDING_MAX_WINDOWS: "2" });
    expectClose(two, (await new UseLiteEmbedder({ maxSeq: 16, maxWindows: 2 }).embed([LONG]))[0]!);
    expectApart(two, short);
    // Loads USE-lite four times (about a second each on an idle machine): more than the core project's 5 s default.
  }, 120_000);
});
