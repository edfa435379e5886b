import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempEngram, type TempEngram } from "../../test/support/temp-engram.js";
import type { Engram } from "../engram.js";
import type { ManualClock } from "../util/clock.js";
import { storeInputSchema } from "../memory/schemas.js";
import { computeFactors } from "./factors.js";
import { retrievability } from "../fsrs/model.js";

const DAY = 86_400_000;

let clock: ManualClock;
let engram: Engram;
let user: number;

let temp: TempEngram;
beforeEach(() => {
  temp = tempEngram("engram-recall-");
  ({ engram, clock, user } = temp);
});
afterEach(() => temp.close());

const store = (content: string, extra: Record<string, unknown> = {}) => {
  const r = engram.memories.store(user, storeInputSchema.parse({ content, ...extra }));
  if (r.kind !== "stored") throw new Error(`not stored: ${content}`);
  return r.memory.id;
};

describe("recall without a query", () => {
  it("falls back to the most important memories, newest first among equals", async () => {
    const three = store("the lunch order goes in before eleven", { importance: 3 });
    const nineOld = store("production deploys need two approvals", { importance: 9 });
    store("the wiki is searchable by tag", { importance: 5 });
    const nineNew = store("rotate the signing keys every quarter", { importance: 9 });
    const recalled = await engram.search.recall(user, { limit: 3 });
    expect(recalled.map((m) => m.id)).toEqual([nineNew, nineOld, recalled[2]!.id]);
    expect(recalled.map((m) => m.importance)).toEqual([9, 9, 5]);
    expect(recalled.map((m) => m.id)).not.toContain(three);
  });
});

describe("decay by each memory's own stability", () => {
  it("a memory reviewed Easy keeps more of its score than an unreviewed twin, as its own stability says", async () => {
    const plain = store("the alpha beta cluster runs in hall one");
    const easy = store("the alpha beta cluster runs in hall two");
    engram.fsrs.review(user, easy, 4);
    const [p0, e0] = [engram.memories.get(user, plain), engram.memories.get(user, easy)];
    expect(e0.fsrsStability!).toBeGreaterThan(p0.fsrsStability!);

    clock.advance(30 * DAY);
    const now = clock.now();
    for (const m of [p0, e0]) {
      // DECAY_FLOOR 0.8 plus the rest scaled by the memory's own retrievability after 30 days.
      expect(computeFactors(m, "fact_recall", now).decay).toBeCloseTo(0.8 + 0.2 * retrievability(30, m.fsrsStability!), 6);
    }
    expect(computeFactors(e0, "fact_recall", now).decay).toBeGreaterThan(computeFactors(p0, "fact_recall", now).decay);
    // Equal text evidence: the slower-fading memory ranks first although its id is higher.
    const hits = (await engram.search.search(user, { query: "alpha beta cluster hall", limit: 5, channels: ["fts"] })).hits;
    expect(hits.map((h) => h.memory.id)).toEqual([easy, plain]);
  });
});
