import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/index.js";
import { createEngram, type Engram } from "../engram.js";
import { storeInputSchema } from "../memory/index.js";

/**
 * Lexical evidence in absolute terms, and abstention from evidence, through the real search
 * service with the real USE-lite embedder (the default), each store in its own database.
 */
const DATA = path.resolve(import.meta.dirname, "../../../../../shared/data");

async function open(env: Record<string, string> = {}): Promise<{ engram: Engram; user: number; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-evidence-"));
  const engram = createEngram(loadConfig({ ENGRAM_DATA_DIR: dir, ENGRAM_EMBEDDING_PROVIDER: "use-lite", ENGRAM_RERANKER_ENABLED: "false", ...env }));
  await engram.embedding.start();
  return { engram, user: engram.auth.bootstrap(undefined, undefined, undefined).user.id, dir };
}

async function storeAll(engram: Engram, user: number, items: { content: string; session?: string }[]): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < items.length; i += 32) {
    const batch = items.slice(i, i + 32);
    const vectors = (await engram.embedding.embed(batch.map((b) => b.content)))!;
    batch.forEach((b, j) => {
      const r = engram.memories.store(user, storeInputSchema.parse({ content: b.content, session_id: b.session }), vectors[j]!);
      ids.push(r.kind === "stored" ? r.memory.id : r.existingId);
    });
  }
  return ids;
}

async function close(s: { engram: Engram; dir: string }) {
  await s.engram.embedding.close();
  s.engram.close();
  fs.rmSync(s.dir, { recursive: true, force: true });
}

// Both orderings: fusion alone, and the shipped ranker after it (its lexical rank features
// count in proportion to the query's best lexical evidence, here one common word).
describe("fusion: a one-common-word match does not outweigh a clear semantic match (USE-lite)", { timeout: 120_000 }, () => {
  it.each([
    ["the shipped ranker", "on"],
    ["fusion alone", "off"],
  ])("'database connection info' ranks the PostgreSQL memory above the backup that shares 'database' (%s)", async (_name, ranker) => {
    const s = await open({ ENGRAM_SEARCH_RANKER: ranker });
    try {
      const [backup, postgres] = await storeAll(s.engram, s.user, [
        { content: "The billing database backup runs nightly at 02:00" },
        { content: "Production PostgreSQL lives at db-prod-3.internal port 5433, user app_rw" },
      ]);
      const result = await s.engram.search.search(s.user, { query: "database connection info", limit: 5 });
      expect(result.hits.map((h) => h.memory.id)).toEqual([postgres, backup]);
      expect(result.rankerApplied).toBe(ranker === "on");
    } finally {
      await close(s);
    }
  });
});

/** Deterministic made-up words: a linear congruential generator over consonant-vowel syllables. */
function nonWordQueries(count: number): string[] {
  let seed = 20_251_203;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const pick = (s: string) => s[Math.floor(next() * s.length)]!;
  const word = () => Array.from({ length: 2 + Math.floor(next() * 2) }, () => pick("bdfgklmnprstvxzq") + pick("aeiou")).join("") + pick("bdfgklmnrstvxz");
  return Array.from({ length: count }, () => Array.from({ length: 3 }, word).join(" "));
}

describe("abstention over the LoCoMo dev store (USE-lite)", { timeout: 600_000 }, () => {
  interface Turn {
    speaker: string;
    dia_id: string;
    text: string;
  }
  const conv = (JSON.parse(fs.readFileSync(path.join(DATA, "locomo-dev.json"), "utf8")) as { conversation: Record<string, string | Turn[]>; qa: { question: string; category: number }[] }[])[0]!;
  let s: Awaited<ReturnType<typeof open>>;
  beforeAll(async () => {
    s = await open();
    const items: { content: string; session: string }[] = [];
    for (let n = 1; conv.conversation[`session_${n}`]; n++) {
      const date = conv.conversation[`session_${n}_date_time`] as string;
      for (const t of conv.conversation[`session_${n}`] as Turn[]) items.push({ content: `[${date}] ${t.speaker}: ${t.text}`, session: `s${n}` });
    }
    await storeAll(s.engram, s.user, items);
  }, 300_000);
  afterAll(async () => {
    await close(s);
  });

  it("at least 18 of 20 queries of made-up words abstain, with no results", async () => {
    const queries = nonWordQueries(20);
    expect(new Set(queries).size).toBe(20);
    let abstained = 0;
    for (const query of queries) {
      const r = await s.engram.search.search(s.user, { query, limit: 10 });
      if (r.abstained) {
        abstained++;
        expect(r.hits).toEqual([]);
      }
    }
    expect(abstained).toBeGreaterThanOrEqual(18);
  });

  it("every question of the conversation answers", async () => {
    const questions = conv.qa.filter((q) => q.category >= 1 && q.category <= 5);
    for (const q of questions) {
      const r = await s.engram.search.search(s.user, { query: q.question, limit: 10 });
      expect(r.abstained, q.question).toBe(false);
    }
  });
});
