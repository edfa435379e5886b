import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempEngram, type TempEngram } from "../../test/support/temp-engram.js";
import type { Engram } from "../engram.js";
import { storeInputSchema } from "../memory/schemas.js";
import { countTokens } from "../text/index.js";
import type { ManualClock } from "../util/clock.js";
import type { ContextRequest } from "./context.js";

let clock: ManualClock;
let engram: Engram;
let user: number;
let other: number;

let temp: TempEngram;
beforeEach(() => {
  temp = tempEngram("engram-context-");
  ({ engram, clock, user, other } = temp);
});
afterEach(() => temp.close());

const store = (userId: number, content: string, extra: Record<string, unknown> = {}) => {
  clock.advance(1000);
  const r = engram.memories.store(userId, storeInputSchema.parse({ content, ...extra }));
  if (r.kind !== "stored") throw new Error(`not stored: ${content}`);
  return r.memory.id;
};
const storeFiller = (userId: number, content: string, extra: Record<string, unknown> = {}) => {
  clock.advance(1000);
  engram.memories.store(userId, storeInputSchema.parse({ content, ...extra }));
};
const assemble = (userId: number, query: string, extra: Partial<ContextRequest> = {}) =>
  engram.context.assemble(userId, { query, budget: 1000, strategy: "balanced", mode: "balanced", ...extra });

/** Two sessions of a conversation about hiking, stored as LoCoMo turns are: `[date] Speaker: text`. */
const conversation = (userId: number, who = ["Caroline", "Melanie"]) => {
  const ids: Record<string, number> = {};
  const sessions = [
    { id: "s1", date: "1:56 pm on 8 May, 2023", lines: ["went hiking in the Rockies with the kids last weekend", "which hiking trail did you take up there", "the Emerald Lake hiking trail, about nine miles"] },
    { id: "s2", date: "10:31 am on 13 October, 2023", lines: ["planning another hiking trip for the autumn break", "hiking in autumn sounds lovely, where to", "probably the Smoky Mountains hiking loop"] },
  ];
  for (const s of sessions) {
    s.lines.forEach((line, i) => {
      ids[`${s.id}:${i}`] = store(userId, `[${s.date}] ${who[i % 2]}: ${line}`, { session_id: s.id });
    });
  }
  return ids;
};

describe("context layout", () => {
  it("prints a shared date once per session, and every memory's text whole", async () => {
    const ids = conversation(user);
    const r = await assemble(user, "hiking trail");
    expect(r.context.match(/8 May, 2023/g)).toHaveLength(1);
    expect(r.context.match(/13 October, 2023/g)).toHaveLength(1);
    expect(r.context).toContain("[general] [1:56 pm on 8 May, 2023]\n- Caroline: went hiking in the Rockies with the kids last weekend\n");
    expect(new Set(r.blocks.map((b) => b.id))).toEqual(new Set(Object.values(ids)));
    for (const b of r.blocks) {
      // What follows the date is printed as it was written, under the header that carries the date.
      const said = b.content.replace(/^\[[^\]]*\] /, "");
      expect(r.context).toContain(`- ${said}\n`);
    }
    expect(r.duplicates).toEqual([]);
  });

  it("shows one session's memories together in the order they were written", async () => {
    // Interleaved writes of two sessions: the best hits alternate between them.
    const a1 = store(user, "Anna: the billing service database moved to Postgres", { session_id: "a" });
    const b1 = store(user, "Bob: the billing reports run on the database replica", { session_id: "b" });
    const a2 = store(user, "Anna: billing database backups now run nightly", { session_id: "a" });
    const b2 = store(user, "Bob: billing database replica lag stays under a second", { session_id: "b" });
    const r = await assemble(user, "billing database");
    const order = r.blocks.map((b) => b.id);
    expect(order).toHaveLength(4);
    const sessionOf = (id: number) => ([a1, a2].includes(id) ? "a" : "b");
    // Each session's lines are contiguous, and in the order they were written.
    expect(order.map(sessionOf).join("")).toMatch(/^(aabb|bbaa)$/);
    expect(order.filter((id) => sessionOf(id) === "a")).toEqual([a1, a2]);
    expect(order.filter((id) => sessionOf(id) === "b")).toEqual([b1, b2]);
    const positions = order.map((id) => r.context.indexOf(r.blocks.find((b) => b.id === id)!.content.split(": ")[1]!));
    expect([...positions].sort((x, y) => x - y)).toEqual(positions);
  });

  it("drops a near-duplicate and says which memory it repeats, but keeps one that differs in a number or a name", async () => {
    const base = "The nightly backup of the billing database runs at 01:30 UTC and keeps fourteen days of snapshots in the eu-west bucket";
    const kept = store(user, base);
    const repeat = store(user, `${base} now`);
    const otherTime = store(user, base.replace("01:30 UTC", "04:15 CET"));
    // Nine words in ten shared, but another place: a different fact.
    const otherPlace = store(user, base.replace("eu-west", "Frankfurt"));
    const r = await assemble(user, "billing database backup snapshots");
    const shown = r.blocks.map((b) => b.id);
    expect(shown).toContain(otherTime);
    expect(shown).toContain(otherPlace);
    expect(shown.includes(kept) !== shown.includes(repeat)).toBe(true);
    const [dropped] = r.duplicates;
    expect(r.duplicates).toHaveLength(1);
    expect(shown).toContain(dropped!.of);
    expect([kept, repeat]).toContain(dropped!.id);
    expect(shown).not.toContain(dropped!.id);
  });

  it("never exceeds the budget, for any budget, with exact counts", async () => {
    conversation(user);
    const places = ["Banff", "Yosemite", "Zion", "Glacier", "Acadia", "Olympic", "Denali", "Sequoia", "Arches", "Teton"];
    const things = ["trails", "lakes", "weather", "bears", "campsites", "permits", "boots", "maps"];
    things.forEach((thing, t) =>
      places.forEach((place, p) => {
        // Filler: one the store merges as a near-duplicate of an earlier one is simply not there.
        if ((t + p) % 2 === 0) storeFiller(user, `[9:00 am on ${p + 1} June, 2023] Caroline: in ${place} the ${thing} were a hiking highlight`, { session_id: `n${p % 3}` });
      }),
    );
    for (const budget of [1, 10, 25, 40, 60, 100, 150, 250, 400, 700, 1000, 3000]) {
      for (const strategy of ["balanced", "precision", "breadth"] as const) {
        const r = await assemble(user, "hiking trail lakes", { budget, strategy });
        expect(r.tokenEstimate).toBeLessThanOrEqual(budget);
        expect(countTokens(r.context)).toBe(r.tokenEstimate);
        const shown = r.blocks.map((b) => b.id);
        expect(new Set(shown).size).toBe(shown.length);
      }
    }
  });

  it("spends what other sections leave on the query's matches before recent memories", async () => {
    conversation(user);
    for (const plant of ["fern", "cactus", "orchid", "ficus", "basil", "ivy", "palm", "bonsai", "aloe", "lily", "mint", "tulip"]) {
      store(user, `Remember that the office ${plant} needs watering and a sunny ${plant} spot`);
    }
    const r = await assemble(user, "hiking trail", { budget: 400 });
    expect(r.breakdown.semantic).toBeGreaterThan(r.breakdown.recent);
    expect(r.blocks.filter((b) => b.section === "semantic")).toHaveLength(6);
  });

  it("shows and reports only the caller's memories", async () => {
    const mine = conversation(user);
    // The other tenant uses the same session ids, the same dates and near-identical words.
    conversation(other, ["Mallory", "Trent"]);
    store(other, "[1:56 pm on 8 May, 2023] Caroline: went hiking in the Rockies with the kids last weekend!", { session_id: "s1" });
    const r = await assemble(user, "hiking trail Rockies");
    expect(r.context).not.toMatch(/Mallory|Trent/);
    for (const b of r.blocks) expect(Object.values(mine)).toContain(b.id);
    expect(r.duplicates).toEqual([]);
    const theirs = await assemble(other, "hiking trail Rockies");
    expect(theirs.context).not.toContain("Caroline: which hiking trail");
    for (const b of theirs.blocks) expect(Object.values(mine)).not.toContain(b.id);
  });
});
