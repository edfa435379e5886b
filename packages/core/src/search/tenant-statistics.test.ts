import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEngram, type Engram } from "../engram.js";
import { ManualClock } from "../util/clock.js";
import { seededRandom } from "../util/random.js";
import { storeInputSchema } from "../memory/schemas.js";
import { buildPhraseQuery } from "../text/index.js";
import { personalityHits } from "./channels.js";
import { lexicalSearch } from "./lexical.js";
import { LexicalStore } from "./store.js";

/**
 * BM25's statistics (document count, average length, how many documents hold a term) are each
 * tenant's own: another tenant's writes never move a tenant's lexical ranking or scores, and
 * deleting a memory leaves the index as if it had never been stored.
 */

let dir: string;
let engram: Engram;
let alice: number;
let bob: number;

const open = (name: string) =>
  createEngram(
    { dbPath: path.join(dir, `${name}.db`), dbSynchronous: "normal", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2 },
    { clock: new ManualClock(new Date("2025-06-01T12:00:00.000Z")) },
  );

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-tenant-bm25-"));
  engram = open("engram");
  alice = engram.auth.bootstrap(undefined, undefined, undefined).user.id;
  bob = engram.auth.createUser("bob", undefined, "writer").id;
});

afterEach(() => {
  engram.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const store = (e: Engram, userId: number, content: string, extra: Record<string, unknown> = {}) => {
  const r = e.memories.store(userId, storeInputSchema.parse({ content, ...extra }));
  if (r.kind !== "stored") throw new Error(`not stored: ${content}`);
  return r.memory.id;
};

const ALICE_MEMORIES: [string, Record<string, unknown>][] = [
  ["The billing database backup runs nightly at 02:00", {}],
  ["Production PostgreSQL lives at db-prod-3.internal port 5433, user app_rw", {}],
  ["Anna prefers dark mode in the database console", { category: "preference" }],
  ["The billing service talks to the payments gateway over gRPC", {}],
  ["Backups of the analytics warehouse are kept for 30 days", {}],
  ["Ben moved the staging database to a new host last week", {}],
];
const QUERIES = ["billing database backup", "database console preference", "payments gateway", "staging host backups"];

/** Everything alice's lexical index answers, with raw scores: BM25 search, the personality channel, phrase lookups, and the whole search. */
async function aliceView(e: Engram, userId: number) {
  const lexical = new LexicalStore(e.db);
  e.search.cache.invalidate(userId);
  const view = [];
  for (const q of QUERIES) {
    const result = await e.search.search(userId, { query: q, limit: 10 });
    expect(result.cached).toBe(false);
    view.push({
      q,
      bm25: lexicalSearch(lexical, userId, q, 10),
      personality: personalityHits(lexical, userId, q, 10, "preference"),
      phrases: lexical.withPhrases(userId, buildPhraseQuery(q.split(" "))!, 10, 40),
      search: result.hits.map((h) => ({ id: h.memory.id, score: h.score, fused: h.fused, channels: h.channels })),
    });
  }
  return view;
}

describe("per-tenant BM25 statistics", () => {
  it("leaves tenant A's ranking and scores identical after tenant B stores 1,000 memories full of A's query words", async () => {
    for (const [content, extra] of ALICE_MEMORIES) store(engram, alice, content, extra);
    const before = await aliceView(engram, alice);
    expect(before.every((v) => v.bm25.length > 0)).toBe(true);

    // Bob's memories repeat alice's query words (which makes them common, lowering their IDF,
    // and lengthens the average document), each with distinct filler so none is a near-duplicate.
    const rand = seededRandom(11);
    const words = QUERIES.join(" ").split(" ");
    const filler = Array.from({ length: 400 }, (_, i) => `w${i.toString(36)}x`);
    const pick = (from: string[], n: number) => Array.from({ length: n }, () => from[Math.floor(rand() * from.length)]!);
    let stored = 0;
    for (let i = 0; stored < 1000; i++) {
      const content = [...pick(words, 6 + (i % 10)), ...pick(filler, 12)].join(" ");
      const category = i % 3 === 0 ? "preference" : "general";
      if (engram.memories.store(bob, storeInputSchema.parse({ content, category })).kind === "stored") stored++;
    }

    expect(await aliceView(engram, alice)).toEqual(before);
    // Its own timeout: a thousand stores, each its own transaction, outlast the default on a loaded machine.
  }, 60_000);

  it("keeps a tenant's index exact through deletes: the same scores as a tenant that never stored the deleted memories", async () => {
    const ids = ALICE_MEMORIES.map(([content, extra]) => store(engram, alice, content, extra));
    // A newer version keeps the old one indexed (search filters it out); deleting the newer one restores the old.
    const updated = engram.memories.update(alice, ids[3]!, { content: "The billing service talks to the payments gateway over REST" });
    engram.memories.delete(alice, updated.id);
    engram.memories.delete(alice, ids[0]!);
    engram.memories.delete(alice, ids[5]!);
    for (const note of ["billing database backup", "payments gateway host", "staging backups database console preference"]) store(engram, bob, note);

    const fresh = open("fresh");
    try {
      const carol = fresh.auth.bootstrap(undefined, undefined, undefined).user.id;
      const kept = ALICE_MEMORIES.filter((_, i) => i !== 0 && i !== 5);
      const freshIds = kept.map(([content, extra]) => store(fresh, carol, content, extra));
      const keptIds = ids.filter((_, i) => i !== 0 && i !== 5);
      // Ids differ between the databases: compare through the content each id names.
      const byContent = (e: Engram, userId: number, view: Awaited<ReturnType<typeof aliceView>>) =>
        JSON.parse(JSON.stringify(view), (key, value) =>
          key === "id" && typeof value === "number" ? e.memories.find(userId, value)!.content : value,
        ) as unknown;
      expect(keptIds.length).toBe(freshIds.length);
      expect(byContent(engram, alice, await aliceView(engram, alice))).toEqual(byContent(fresh, carol, await aliceView(fresh, carol)));
    } finally {
      fresh.close();
    }
  });

  it("gives a tenant that has stored nothing no lexical hits, and creates its index on its first write", () => {
    const lexical = new LexicalStore(engram.db);
    expect(lexicalSearch(lexical, bob, "billing database", 10)).toEqual([]);
    expect(personalityHits(lexical, bob, "billing database", 10, "preference")).toEqual([]);
    expect(lexical.withPhrases(bob, buildPhraseQuery(["billing"])!, 10, 20)).toEqual([]);
    const id = store(engram, bob, "the billing database");
    expect(lexicalSearch(lexical, bob, "billing database", 10).map((h) => h.id)).toEqual([id]);
  });

  it("rolls the first write's new index back with the write", () => {
    const lexical = new LexicalStore(engram.db);
    expect(() =>
      engram.db.sqlite.transaction(() => {
        store(engram, bob, "the billing database");
        throw new Error("the write fails after the insert");
      })(),
    ).toThrow("the write fails");
    expect(lexicalSearch(lexical, bob, "billing database", 10)).toEqual([]);
    // The next write creates the index again.
    const id = store(engram, bob, "the billing database");
    expect(lexicalSearch(lexical, bob, "billing database", 10).map((h) => h.id)).toEqual([id]);
  });
});
