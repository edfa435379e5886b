import fs from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/index.js";
import { createEngram } from "../engram.js";
import { storeInputSchema } from "../memory/index.js";
import type { SearchResult } from "./service.js";
import { rerankerGraph, writeModelFolder } from "../../test/fixtures/tiny-models.js";

/**
 * ENGRAM_RERANKER_ENABLED and ENGRAM_RERANKER_ONNX_FILE read as the server reads them
 * (loadConfig → createEngram), checked by whether a search is reranked, with a tiny generated
 * cross-encoder; ENGRAM_SEARCH_RANKER and ENGRAM_SEARCH_SYNONYMS by what a search returns;
 * and ENGRAM_DB_PATH by where the database file is.
 */
let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "engram-search-settings-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const silent = { info: () => {}, warn: () => {} };

/** "database down" searched over two stored memories, in an engram configured by `env`. */
async function searchTwo(env: Record<string, string>): Promise<SearchResult> {
  const dataDir = fs.mkdtempSync(path.join(root, "data-"));
  const engram = createEngram(loadConfig({ ENGRAM_DATA_DIR: dataDir, ENGRAM_EMBEDDING_PROVIDER: "none", ...env }));
  try {
    const user = engram.auth.bootstrap(undefined, undefined, undefined).user.id;
    for (const content of ["the database host crashed at night", "the database server is down again"]) {
      engram.memories.store(user, storeInputSchema.parse({ content }));
    }
    engram.reranker?.start(silent);
    for (let i = 0; i < 200 && engram.reranker && !engram.reranker.ready(); i++) await new Promise((r) => setTimeout(r, 25));
    return await engram.search.search(user, { query: "database down", limit: 5 });
  } finally {
    engram.close();
  }
}

/** Whether a search over two stored memories went through the cross-encoder. */
const reranked = async (env: Record<string, string>) => (await searchTwo(env)).rerankerApplied;

describe("ENGRAM_RERANKER_ENABLED / ENGRAM_RERANKER_ONNX_FILE (tiny cross-encoder)", () => {
  it("a search is reranked with the model folder present, and not with ENABLED=false", async () => {
    const dir = await writeModelFolder(path.join(root, "reranker"), { graph: rerankerGraph(), modelPath: "onnx/model_quantized.onnx" });
    expect(await reranked({ ENGRAM_RERANKER_MODEL_DIR: dir })).toBe(true);
    expect(await reranked({ ENGRAM_RERANKER_MODEL_DIR: dir, ENGRAM_RERANKER_ENABLED: "false" })).toBe(false);
  });

  it("ONNX_FILE names the cross-encoder file the folder holds: reranked with it, not without it", async () => {
    const dir = await writeModelFolder(path.join(root, "reranker-custom"), { graph: rerankerGraph(), modelPath: "onnx/ce-export.onnx" });
    expect(await reranked({ ENGRAM_RERANKER_MODEL_DIR: dir, ENGRAM_RERANKER_ONNX_FILE: "ce-export.onnx" })).toBe(true);
    expect(await reranked({ ENGRAM_RERANKER_MODEL_DIR: dir })).toBe(false);
  });
});

describe("ENGRAM_SEARCH_RANKER", () => {
  /** Whether the learned ranker reordered a search, and whether its hits carry its features. */
  async function ranked(env: Record<string, string>): Promise<[boolean, boolean]> {
    const r = await searchTwo(env);
    return [r.rankerApplied, r.hits.every((h) => h.ranker !== null)];
  }

  it("is on by default, off with ENGRAM_SEARCH_RANKER=off, and refuses other values", async () => {
    expect(await ranked({})).toEqual([true, true]);
    expect(await ranked({ ENGRAM_SEARCH_RANKER: "on" })).toEqual([true, true]);
    expect(await ranked({ ENGRAM_SEARCH_RANKER: "off" })).toEqual([false, false]);
    expect(() => loadConfig({ ENGRAM_SEARCH_RANKER: "maybe" })).toThrow(/ENGRAM_SEARCH_RANKER/);
  });
});

describe("ENGRAM_SEARCH_SYNONYMS", () => {
  /** How many hits "altering" gets over a memory that says "changes" (a WordNet synonym of alter). */
  async function synonymHits(env: Record<string, string>): Promise<number> {
    const engram = createEngram(loadConfig({ ENGRAM_DATA_DIR: fs.mkdtempSync(path.join(root, "data-")), ENGRAM_EMBEDDING_PROVIDER: "none", ...env }));
    try {
      const user = engram.auth.bootstrap(undefined, undefined, undefined).user.id;
      engram.memories.store(user, storeInputSchema.parse({ content: "Schema changes need a review" }));
      return (await engram.search.search(user, { query: "altering", limit: 5 })).hits.length;
    } finally {
      engram.close();
    }
  }

  it("is on by default, off with ENGRAM_SEARCH_SYNONYMS=off, and refuses other values", async () => {
    expect(await synonymHits({})).toBe(1);
    expect(await synonymHits({ ENGRAM_SEARCH_SYNONYMS: "on" })).toBe(1);
    expect(await synonymHits({ ENGRAM_SEARCH_SYNONYMS: "off" })).toBe(0);
    expect(() => loadConfig({ ENGRAM_SEARCH_SYNONYMS: "maybe" })).toThrow(/ENGRAM_SEARCH_SYNONYMS/);
  });
});

describe("ENGRAM_DB_PATH", () => {
  it("puts the database where it says, not in the data folder", () => {
    const dataDir = fs.mkdtempSync(path.join(root, "data-"));
    const elsewhere = path.join(fs.mkdtempSync(path.join(root, "elsewhere-")), "memories.sqlite");
    const engram = createEngram(loadConfig({ ENGRAM_DATA_DIR: dataDir, ENGRAM_DB_PATH: elsewhere, ENGRAM_EMBEDDING_PROVIDER: "none" }));
    try {
      engram.auth.bootstrap(undefined, undefined, undefined);
    } finally {
      engram.close();
    }
    expect(fs.existsSync(elsewhere)).toBe(true);
    expect(fs.existsSync(path.join(dataDir, "engram.db"))).toBe(false);
  });
});
