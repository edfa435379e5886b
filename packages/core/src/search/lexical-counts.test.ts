import { afterEach, beforeEach, expect, it } from "vitest";
import { createEngram, type Engram } from "../engram.js";
import { storeInputSchema } from "../memory/schemas.js";
import { ManualClock } from "../util/clock.js";
import { tempEngram, type TempEngram } from "../../test/support/temp-engram.js";

/**
 * The live count and document frequencies behind the IDF evidence are remembered between
 * searches (LexicalStore): a change of the tenant's memories must make the next search count
 * again, so its scores are those of a search that never remembered anything.
 */

let t: TempEngram;
let fresh: Engram | undefined;

beforeEach(() => {
  t = tempEngram("engram-lexical-counts-");
});
afterEach(() => {
  fresh?.close();
  fresh = undefined;
  t.close();
});

const store = (content: string) => {
  const r = t.engram.memories.store(t.user, storeInputSchema.parse({ content }));
  if (r.kind !== "stored") throw new Error(`not stored: ${content}`);
  return r.memory.id;
};

/** Ids and scores of a search, as a client compares them. */
async function ranking(e: Engram, query: string) {
  return (await e.search.search(t.user, { query, limit: 10 })).hits.map((h) => ({ id: h.memory.id, score: h.score, fused: h.fused }));
}

it("counts again after the tenant's memories change: scores equal a search over the same data that remembered nothing", async () => {
  store("The kiln needs a new thermocouple before the spring firing");
  store("Order glaze for the kiln from the usual supplier");
  const forgotten = store("The glaze recipe uses cobalt and rutile");
  const query = "kiln glaze cobalt";
  const before = await ranking(t.engram, query);
  expect(before.length).toBeGreaterThan(0);
  // The word "cobalt" becomes common and one of its memories goes: its IDF share and the live count change.
  for (let i = 0; i < 12; i++) store(`Cobalt pigment batch ${i} arrived for the studio`);
  t.engram.memories.setStatus(t.user, forgotten, "forgotten", "test");
  const after = await ranking(t.engram, query);
  fresh = createEngram(
    { dbPath: t.engram.db.sqlite.name, dbSynchronous: "normal", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2 },
    { clock: new ManualClock(t.clock.now()) },
  );
  expect(after).toEqual(await ranking(fresh, query));
  expect(after).not.toEqual(before);
});
