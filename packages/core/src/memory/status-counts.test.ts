import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEngram, type Engram } from "../engram.js";
import { MemoryStatusCounts } from "./status-counts.js";
import { storeInputSchema } from "./schemas.js";
import { ManualClock } from "../util/clock.js";

let engram: Engram;
let clock: ManualClock;

beforeEach(() => {
  clock = new ManualClock(new Date("2030-05-01T10:00:00.000Z"));
  engram = createEngram({ dbPath: ":memory:", dbSynchronous: "normal", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2 }, { clock });
});
afterEach(() => engram.close());

describe("memory status counts for the metrics gauges", () => {
  it("count latest versions by status over all tenants, at most once per 30 s", () => {
    const counts = new MemoryStatusCounts({ db: engram.db, clock });
    const alice = engram.auth.createUser("alice", undefined, "writer");
    const bob = engram.auth.createUser("bob", undefined, "writer");
    const a = engram.memories.store(alice.id, storeInputSchema.parse({ content: "alice keeps her notes in the blue binder" }));
    engram.memories.store(bob.id, storeInputSchema.parse({ content: "bob deploys on Tuesdays after the standup" }));
    expect(counts.current()).toEqual({ active: 2, archived: 0, forgotten: 0 });
    if (a.kind !== "stored") throw new Error("expected a new memory");
    engram.memories.setStatus(alice.id, a.memory.id, "forgotten", "obsolete");
    clock.advance(29_000);
    expect(counts.current()).toEqual({ active: 2, archived: 0, forgotten: 0 });
    clock.advance(1_000);
    expect(counts.current()).toEqual({ active: 1, archived: 0, forgotten: 1 });
  });
});
