import { afterEach, beforeEach, expect, it } from "vitest";
import { createEngram, type Engram } from "../engram.js";
import { storeInputSchema } from "../memory/schemas.js";
import { ManualClock } from "../util/clock.js";

const DAY = 86_400_000;
let clock: ManualClock;
let engram: Engram;
let alice: number;
let bob: number;

beforeEach(() => {
  clock = new ManualClock(new Date("2026-06-10T12:00:00.000Z"));
  engram = createEngram({ dbPath: ":memory:", dbSynchronous: "normal", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2 }, { clock });
  alice = engram.auth.createUser("alice", undefined, "writer").id;
  bob = engram.auth.createUser("bob", undefined, "writer").id;
});
afterEach(() => engram.close());

const store = (userId: number, content: string, importance = 5, category = "general") => {
  const r = engram.memories.store(userId, storeInputSchema.parse({ content, importance, category }));
  if (r.kind !== "stored") throw new Error("unexpected duplicate");
  return r.memory.id;
};

it("lists the window's memories, most important first, and only the window's", () => {
  store(alice, "Ten days ago: the old VPN was retired", 9);
  clock.advance(4 * DAY);
  store(alice, "Six days ago: the billing database moved to Postgres 16", 6, "state");
  clock.advance(5.5 * DAY);
  store(alice, "Twelve hours ago: the nightly backup now runs at 02:00", 8, "ops");
  const forgotten = store(alice, "Twelve hours ago: a note that was then forgotten", 10);
  engram.memories.setStatus(alice, forgotten, "forgotten");
  store(bob, "Bob's memory of the same hour", 10);
  clock.advance(DAY / 2);

  const daily = engram.digests.generate(alice, "daily");
  expect(daily).toMatchObject({ userId: alice, period: "daily", memoryCount: 1, endedAt: clock.now().toISOString() });
  expect(Date.parse(daily.endedAt) - Date.parse(daily.startedAt)).toBe(DAY);
  expect(daily.content).toBe("daily period summary (1 memories):\n[ops] (importance:8) Twelve hours ago: the nightly backup now runs at 02:00");

  const weekly = engram.digests.generate(alice, "weekly");
  expect(weekly.memoryCount).toBe(2);
  expect(weekly.content.split("\n").slice(1)).toEqual([
    "[ops] (importance:8) Twelve hours ago: the nightly backup now runs at 02:00",
    "[state] (importance:6) Six days ago: the billing database moved to Postgres 16",
  ]);
  expect(engram.digests.generate(alice, "monthly").memoryCount).toBe(3);
  expect(engram.digests.list(alice, 10).map((d) => d.period)).toEqual(["monthly", "weekly", "daily"]);
  expect(engram.digests.list(bob, 10)).toEqual([]);
});

it("says so when nothing was remembered, and caps a busy window at 50 lines of 100 characters", () => {
  expect(engram.digests.generate(alice, "weekly")).toMatchObject({ memoryCount: 0, content: "No activity during this weekly period." });
  // Distinct texts (near-duplicates would be folded into one memory): 150 characters each.
  const word = (n: number) => ["alpha", "bravo", "cedar", "delta", "ember", "fjord", "gamma", "harbor", "ivory", "jade"][n % 10]!;
  for (let i = 0; i < 60; i++) {
    const text = `Memory ${i}: ${word(i)} ${word(i * 7 + 3)} ${word(Math.floor(i / 10))} host-${i * 37} port ${1000 + i * 13} ${word(i * 3 + 1)} `;
    store(alice, text.repeat(4).slice(0, 150), 1 + (i % 10));
  }
  const digest = engram.digests.generate(alice, "daily");
  const lines = digest.content.split("\n");
  expect(digest.memoryCount).toBe(60);
  expect(lines[0]).toBe("daily period summary (60 memories):");
  expect(lines).toHaveLength(51);
  expect(lines[1]).toMatch(/^\[general\] \(importance:10\) Memory \d+: /);
  expect(lines.slice(1).every((l) => l.replace(/^\[general\] \(importance:\d+\) /, "").length === 100)).toBe(true);
});
