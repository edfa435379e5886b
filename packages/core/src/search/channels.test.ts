import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempEngram, type TempEngram } from "../../test/support/temp-engram.js";
import type { Engram } from "../engram.js";
import { storeInputSchema } from "../memory/schemas.js";
import { personalityHits, sessionNeighbourHits } from "./channels.js";
import { lexicalSearch } from "./lexical.js";
import { LexicalStore } from "./store.js";
import { MemorySelections } from "../memory/index.js";

/**
 * Search re-reads its results through a tenant-scoped lookup, so a channel that returned another
 * tenant's ids would be invisible in the results (those ids would only take candidate slots and
 * skew the scaling). Each channel's candidates are checked here directly, two tenants in one database.
 */

let engram: Engram;
let alice: number;
let mallory: number;

let temp: TempEngram;
beforeEach(() => {
  temp = tempEngram("engram-channels-");
  ({ engram, user: alice, other: mallory } = temp);
});
afterEach(() => temp.close());

const store = (userId: number, content: string, extra: Record<string, unknown> = {}) => {
  const r = engram.memories.store(userId, storeInputSchema.parse({ content, ...extra }));
  if (r.kind !== "stored") throw new Error(`not stored: ${content}`);
  return r.memory.id;
};

describe("every search channel's candidates are the tenant's own", () => {
  it("lexical", () => {
    const own = store(alice, "the billing database runs Postgres");
    store(mallory, "the billing database runs MySQL, billing billing database");
    expect(lexicalSearch(new LexicalStore(engram.db), alice, "billing database", 10).map((h) => h.id)).toEqual([own]);
  });

  it("personality", () => {
    const own = store(alice, "prefers vim keybindings in the editor", { category: "preference" });
    store(mallory, "prefers vim keybindings in every editor, vim vim", { category: "preference" });
    expect(personalityHits(new LexicalStore(engram.db), alice, "vim editor keybindings", 10, "preference").map((h) => h.id)).toEqual([own]);
  });

  it("personality: a memory of any category counts once a personality signal was read from it", async () => {
    const general = store(alice, "I really love vim keybindings in every editor");
    const plain = store(alice, "the editor config lives in the dotfiles repo");
    const theirs = store(mallory, "I really love vim keybindings, vim vim editor");
    expect(personalityHits(new LexicalStore(engram.db), alice, "vim editor", 10, "preference")).toEqual([]);
    for (const [user, id] of [[alice, general], [alice, plain], [mallory, theirs]] as const) await engram.personality.detectForMemory(user, id);
    expect(personalityHits(new LexicalStore(engram.db), alice, "vim editor", 10, "preference").map((h) => h.id)).toEqual([general]);
    // A fact question is not about what the person loves: the signal does not count for it.
    expect(personalityHits(new LexicalStore(engram.db), alice, "vim editor", 10, "fact_recall")).toEqual([]);
  });

  it("session neighbours", () => {
    const before = store(alice, "Anna: which database does billing use?", { session_id: "s1" });
    const seed = store(alice, "Ben: Postgres 15 in Frankfurt", { session_id: "s1" });
    // Mallory's turn in a session of the same name, stored right after Alice's seed.
    store(mallory, "Mallory: a turn in my own session s1", { session_id: "s1" });
    const hits = sessionNeighbourHits(new MemorySelections(engram.db), alice, [{ id: seed, score: 1, sessionId: "s1" }]);
    expect(hits).toEqual([{ id: before, score: 1 }]);
  });
});
