import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEngram, type Engram } from "../engram.js";
import { ManualClock } from "../util/clock.js";
import { storeInputSchema } from "./schemas.js";
import { DEFAULT_JOBS_CONFIG } from "../jobs/config.js";
import { TTL_FORGET_REASON } from "./expiry-sweep.js";
import type { MemoryRow } from "../db/schema.js";

const MINUTE = 60_000;

let clock: ManualClock;
let engram: Engram;
let alice: number;
let bob: number;

const open = (sweepIntervalMs: number) =>
  createEngram(
    {
      dbPath: ":memory:",
      dbSynchronous: "normal",
      apiKeyPepper: "",
      embedder: null,
      vectorMinSimilarity: 0.2,
      jobs: { ...DEFAULT_JOBS_CONFIG, sweepIntervalMs, pollMs: 20 },
    },
    { clock },
  );

beforeEach(() => {
  clock = new ManualClock(new Date("2025-06-01T08:00:00.000Z"));
  engram = open(0);
  alice = engram.auth.createUser("alice", undefined, "writer").id;
  bob = engram.auth.createUser("bob", undefined, "writer").id;
});
afterEach(async () => {
  await engram.jobs.stop();
  engram.close();
});

const store = (userId: number, body: Record<string, unknown>): MemoryRow => {
  const r = engram.memories.store(userId, storeInputSchema.parse(body));
  if (r.kind !== "stored") throw new Error("unexpected duplicate");
  return r.memory;
};
const row = (userId: number, id: number) => engram.memories.find(userId, id)!;

describe("forget_after on store", () => {
  it("keeps an instant in the future, normalised to UTC, or now + ttl_secs", () => {
    const at = store(alice, { content: "Dentist appointment on Friday at 3pm", forget_after: "2025-06-06T17:00:00+02:00" });
    expect(at.forgetAfter).toBe("2025-06-06T15:00:00.000Z");
    const ttl = store(alice, { content: "Temporary wifi code is 4471", ttl_secs: 3600 });
    expect(ttl.forgetAfter).toBe("2025-06-01T09:00:00.000Z");
    expect(store(alice, { content: "Permanent fact without expiry" }).forgetAfter).toBeNull();
  });

  it("rejects a past instant, both fields at once, and malformed values, storing nothing", () => {
    const attempt = (body: Record<string, unknown>) => () => store(alice, { content: "Should not be stored", ...body });
    expect(attempt({ forget_after: "2025-06-01T07:59:59Z" })).toThrow("forget_after: must be in the future");
    expect(attempt({ forget_after: clock.now().toISOString() })).toThrow("forget_after: must be in the future");
    expect(attempt({ forget_after: "2025-07-01T00:00:00Z", ttl_secs: 60 })).toThrow("forget_after: give forget_after or ttl_secs, not both");
    for (const bad of [{ forget_after: "next friday" }, { forget_after: "2025-07-01" }, { ttl_secs: 0 }, { ttl_secs: 1.5 }, { ttl_secs: "60" }]) {
      const parsed = storeInputSchema.safeParse({ content: "x", ...bad });
      expect(parsed.success, JSON.stringify(bad)).toBe(false);
      expect(parsed.error!.issues[0]!.path).toEqual([Object.keys(bad)[0]]);
    }
    expect(engram.memories.list(alice, { limit: 10, offset: 0, includeForgotten: true })).toEqual([]);
  });
});

describe("the TTL sweep", () => {
  it("forgets a tenant's memories once the clock passes forget_after, and only that tenant's", async () => {
    const a = store(alice, { content: "Alice's parking spot this week is B12", ttl_secs: 3600 });
    const keep = store(alice, { content: "Alice's badge number is 5521" });
    const b = store(bob, { content: "Bob's locker code is 0907", ttl_secs: 3600 });

    clock.advance(59 * MINUTE);
    expect(await engram.ttl.sweep(alice)).toEqual({ swept: 0, ids: [] });

    clock.advance(MINUTE);
    expect(await engram.ttl.sweep(alice)).toEqual({ swept: 1, ids: [a.id] });
    expect(row(alice, a.id)).toMatchObject({ status: "forgotten", isForgotten: true, forgetReason: TTL_FORGET_REASON });
    expect(row(alice, keep.id).status).toBe("active");
    expect(row(bob, b.id).status).toBe("active");
    expect(() => engram.memories.get(alice, a.id)).toThrow("memory not found");

    // Sweeping again finds nothing new; the system-wide sweep takes every tenant's.
    expect(await engram.ttl.sweep(alice)).toEqual({ swept: 0, ids: [] });
    expect(await engram.ttl.sweep(null)).toEqual({ swept: 1, ids: [b.id] });
  });

  it("drops a swept memory from cached search results", async () => {
    const m = store(alice, { content: "The conference hotel is the Marriott downtown", ttl_secs: 60 });
    const query = { query: "conference hotel Marriott", limit: 5, channels: ["fts" as const] };
    expect((await engram.search.search(alice, query)).hits.map((h) => h.memory.id)).toEqual([m.id]);
    clock.advance(MINUTE);
    await engram.ttl.sweep(alice);
    expect((await engram.search.search(alice, query)).hits).toEqual([]);
  });

  it("expires every version of an updated memory with the deadline it carried", async () => {
    const v1 = store(alice, { content: "Sprint goal: ship the importer", ttl_secs: 600 });
    const v2 = engram.memories.update(alice, v1.id, { content: "Sprint goal: ship the importer and exporter" });
    expect(v2.forgetAfter).toBe(v1.forgetAfter);
    clock.advance(10 * MINUTE);
    const { ids } = await engram.ttl.sweep(alice);
    expect([...ids].sort((x, y) => x - y)).toEqual([v1.id, v2.id]);
    expect(row(alice, v2.id).status).toBe("forgotten");
  });

  it("runs as the scheduled ttl_sweep job every interval while the workers run", async () => {
    engram.close();
    engram = open(5 * MINUTE);
    alice = engram.auth.createUser("alice", undefined, "writer").id;
    engram.jobs.start();
    await engram.jobs.idle(); // the first sweep runs at start
    const m = store(alice, { content: "Guest network password is swordfish", ttl_secs: 120 });

    clock.advance(4 * MINUTE);
    await engram.jobs.idle();
    expect(row(alice, m.id).status).toBe("active"); // expired, but the next sweep is not due yet

    clock.advance(MINUTE);
    await engram.jobs.idle();
    expect(row(alice, m.id)).toMatchObject({ status: "forgotten", forgetReason: TTL_FORGET_REASON });
    const sweeps = engram.jobs.list({ kind: "all" }, { type: "ttl_sweep", limit: 10, offset: 0 });
    expect(sweeps.map((j) => [j.status, j.userId, JSON.parse(j.result!)])).toEqual([
      ["completed", null, { swept: 1 }],
      ["completed", null, { swept: 0 }],
    ]);
  });
});
