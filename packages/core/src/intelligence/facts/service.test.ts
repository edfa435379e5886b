import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempEngram, type TempEngram } from "../../../test/support/temp-engram.js";
import { storeInputSchema } from "../../memory/index.js";

let t: TempEngram;
beforeEach(() => {
  t = tempEngram("engram-facts-");
});
afterEach(() => t.close());

/** Stores at the clock's time, then moves the clock a day on, so memories are ordered in time. */
function store(content: string, user = t.user): number {
  const r = t.engram.memories.store(user, storeInputSchema.parse({ content }));
  if (r.kind !== "stored") throw new Error(`not stored: ${content}`);
  t.clock.advance(86_400_000);
  return r.memory.id;
}
const facts = (opts: { subject?: string; predicate?: string; at?: string; current?: boolean } = {}, user = t.user) =>
  t.engram.facts.list(user, { limit: 100, offset: 0, ...opts });

describe("facts: extraction and validity windows", () => {
  it("a new value of an exclusive predicate closes the current window; the history stays", async () => {
    const berlin = store("I live in Berlin.");
    const munich = store("I moved to Munich.");
    await t.engram.facts.extract(t.user, berlin);
    const r = await t.engram.facts.extract(t.user, munich);
    expect(r).toMatchObject({ facts: 1, stateUpdates: 1, contradictions: 1, method: "rules" });
    const [m, b] = facts({ predicate: "lives_in" });
    expect(m).toMatchObject({ object: "Munich", invalidAt: null, exclusive: true });
    expect(b).toMatchObject({ object: "Berlin", invalidAt: m!.validAt, invalidatedBy: m!.id });
    expect(facts({ current: true }).map((f) => f.object)).toEqual(["Munich"]);
    expect(facts({ at: b!.validAt }).map((f) => f.object)).toEqual(["Berlin"]);
  });

  it("an older new fact is stored already closed, and windows of a slot never overlap", async () => {
    const now = store("I live in Munich.");
    const old = store("I lived in Hamburg on 2020-01-01.");
    await t.engram.facts.extract(t.user, now);
    await t.engram.facts.extract(t.user, old);
    const rows = facts({ predicate: "lives_in" }).sort((a, b) => (a.validAt < b.validAt ? -1 : 1));
    expect(rows.map((f) => [f.object, f.invalidAt === null])).toEqual([
      ["Hamburg", false],
      ["Munich", true],
    ]);
    expect(rows[0]!.invalidAt).toBe(rows[1]!.validAt);
    expect(rows[0]!.invalidatedBy).toBe(rows[1]!.id);
  });

  it("a non-exclusive predicate keeps both windows open", async () => {
    await t.engram.facts.extract(t.user, store("I like tea."));
    await t.engram.facts.extract(t.user, store("I like coffee."));
    expect(facts({ current: true }).map((f) => f.object).sort()).toEqual(["coffee", "tea"]);
  });

  it("extraction runs once per memory: a retried post-store job adds nothing", async () => {
    const id = store("I work at Acme and I live in Oslo.");
    const first = await t.engram.facts.extract(t.user, id);
    const again = await t.engram.facts.extract(t.user, id);
    expect(first).toMatchObject({ facts: 2, already: false });
    expect(again).toMatchObject({ facts: 2, already: true, factIds: first.factIds });
    expect(facts()).toHaveLength(2);
  });

  it("the post_store job extracts facts of an approved memory", async () => {
    store("Dana lives in Oslo.");
    t.engram.jobs.start();
    await t.engram.jobs.idle();
    await t.engram.jobs.stop();
    expect(facts().map((f) => [f.subject, f.predicate, f.object])).toEqual([["dana", "lives_in", "Oslo"]]);
  });

  it("forgetting the source memory closes its facts at that moment", async () => {
    const id = store("I live in Paris.");
    await t.engram.facts.extract(t.user, id);
    const at = t.clock.now().toISOString();
    t.engram.memories.setStatus(t.user, id, "forgotten");
    expect(facts()[0]).toMatchObject({ object: "Paris", invalidAt: at, invalidatedBy: null });
    expect(facts({ current: true })).toEqual([]);
  });

  it("a new version closes its parent's facts where it starts", async () => {
    const v1 = store("I work at Acme.");
    await t.engram.facts.extract(t.user, v1);
    const v2 = t.engram.memories.update(t.user, v1, { content: "I work at Initech." });
    await t.engram.facts.extract(t.user, v2.id);
    expect(facts({ current: true }).map((f) => f.object)).toEqual(["Initech"]);
  });

  it("another tenant's memory is not found and its facts never listed", async () => {
    const foreign = store("I live in Rome.", t.other);
    await t.engram.facts.extract(t.other, foreign);
    await expect(t.engram.facts.extract(t.user, foreign)).rejects.toMatchObject({ kind: "not_found" });
    expect(() => t.engram.facts.list(t.user, { memoryId: foreign, limit: 10, offset: 0 })).toThrow(/not found/);
    expect(facts()).toEqual([]);
    expect(facts({}, t.other)).toHaveLength(1);
  });
});

describe("contradictions", () => {
  it("value, negation and quantity conflicts, older memory first, linked newer → older", async () => {
    const ids = ["I live in Berlin.", "I moved to Munich.", "I like jazz.", "I don't like jazz.", "I have 2 cats.", "I have 3 cats."].map((c) => store(c));
    for (const id of ids) await t.engram.facts.extract(t.user, id);
    const found = await t.engram.facts.contradictions(t.user, { limit: 100 });
    expect(found.map((c) => [c.kind, c.memoryA, c.memoryB, c.objectA, c.objectB]).sort()).toEqual(
      [
        ["negation", ids[2], ids[3], "jazz", "jazz"],
        ["quantity", ids[4], ids[5], "cats", "cats"],
        ["value", ids[0], ids[1], "Berlin", "Munich"],
      ].sort(),
    );
    expect(found.find((c) => c.kind === "value")).toMatchObject({ confidence: 0.8, description: "Conflicting lives_in: 'Berlin' vs 'Munich' (subject: user)" });
    const links = t.engram.memories.links(t.user, ids[1]!).filter((l) => l.type === "contradicts");
    expect(links.map((l) => [l.sourceId, l.targetId])).toEqual([[ids[1], ids[0]]]);
  });

  it("no contradiction between different subjects, a restatement, or once a side is forgotten", async () => {
    const ids = ["I live in Berlin.", "Dana lives in Munich.", "I live in Berlin again.", "I moved to Vienna."].map((c) => store(c));
    for (const id of ids) await t.engram.facts.extract(t.user, id);
    expect((await t.engram.facts.contradictions(t.user, { limit: 100 })).map((c) => [c.memoryA, c.memoryB])).toEqual([
      [ids[2], ids[3]],
      [ids[0], ids[3]],
    ]);
    t.engram.memories.setStatus(t.user, ids[3]!, "forgotten");
    expect(await t.engram.facts.contradictions(t.user, { limit: 100 })).toEqual([]);
  });

  it("the pairs of one memory name it as memory_a", async () => {
    const a = store("I work at Acme.");
    const b = store("I work at Globex.");
    for (const id of [a, b]) await t.engram.facts.extract(t.user, id);
    expect((await t.engram.facts.contradictionsOf(t.user, b)).map((c) => [c.memoryA, c.memoryB, c.objectA])).toEqual([[b, a, "Globex"]]);
  });
});
