import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempEngram, type TempEngram } from "../../../test/support/temp-engram.js";
import { storeInputSchema } from "../../memory/index.js";

let t: TempEngram;
beforeEach(() => {
  t = tempEngram("engram-derive-");
});
afterEach(() => t.close());

function store(content: string, user = t.user): number {
  const r = t.engram.memories.store(user, storeInputSchema.parse({ content }));
  if (r.kind !== "stored") throw new Error("not stored");
  t.clock.advance(86_400_000);
  return r.memory.id;
}

describe("derive (rules: fact chaining and value changes)", () => {
  it("chains a fact's object into another fact's subject, and states a value change with its date", async () => {
    const work = store("I work at Acme.");
    const acme = store("Acme is located in Oslo.");
    const moved = store("I moved to Bergen.");
    const r = await t.engram.derive.derive(t.user, { memoryIds: [work, acme, moved, store("I moved to Oslo.")], limit: 10, dryRun: true });
    expect(r.method).toBe("rules");
    expect(r.derived).toEqual([
      { id: null, content: "User works at Acme, which is located in Oslo", sourceIds: [work, acme], confidence: 0.9 },
      { id: null, content: "User changed lives in from Bergen to Oslo on 2025-06-04", sourceIds: [moved, moved + 1], confidence: 0.9 },
    ]);
  });

  it("stores conclusions as derived memories linked derived_from their premises; a dry run stores nothing", async () => {
    const work = store("I work at Acme.");
    const acme = store("Acme is located in Oslo.");
    const before = t.engram.memories.stats(t.user);
    const r = await t.engram.derive.derive(t.user, { memoryIds: [work, acme], limit: 10, dryRun: false });
    const id = r.derived[0]!.id!;
    expect(t.engram.memories.get(t.user, id)).toMatchObject({ category: "derived", source: "derive", content: "User works at Acme, which is located in Oslo" });
    expect(t.engram.memories.links(t.user, id).filter((l) => l.type === "derived_from").map((l) => l.targetId).sort()).toEqual([work, acme]);
    expect(t.engram.memories.stats(t.user)).not.toEqual(before);
  });

  it("another tenant's premise is a 404 naming it", async () => {
    const mine = store("I work at Acme.");
    const foreign = store("Acme is located in Oslo.", t.other);
    await expect(t.engram.derive.derive(t.user, { memoryIds: [mine, foreign], limit: 10, dryRun: true })).rejects.toThrow(`memory ${foreign} not found`);
  });
});

describe("time travel", () => {
  it("memories as they stood then: versions latest at that time, forgotten ones until forgotten, facts valid then", async () => {
    const v1 = store("I work at Acme.");
    await t.engram.facts.extract(t.user, v1);
    const then = t.clock.now().toISOString();
    t.clock.advance(1000);
    const v2 = t.engram.memories.update(t.user, v1, { content: "I work at Initech." });
    const gone = store("Scratch: espresso machine notes");
    t.engram.memories.setStatus(t.user, gone, "forgotten");
    await t.engram.facts.extract(t.user, v2.id);
    const past = t.engram.timetravel.at(t.user, { timestamp: then, limit: 20 });
    expect(past.memories.map((m) => m.id)).toEqual([v1]);
    expect(past.facts.map((f) => f.object)).toEqual(["Acme"]);
    const later = t.engram.timetravel.at(t.user, { timestamp: new Date(Date.parse(then) + 2000).toISOString(), limit: 20 });
    // Not yet forgotten then.
    expect(later.memories.map((m) => m.id)).toEqual([gone, v2.id]);
    const now = t.engram.timetravel.at(t.user, { timestamp: t.clock.now().toISOString(), query: "espresso", limit: 20 });
    expect(now.memories).toEqual([]);
    expect(t.engram.timetravel.at(t.other, { timestamp: t.clock.now().toISOString(), limit: 20 }).memories).toEqual([]);
  });
});
