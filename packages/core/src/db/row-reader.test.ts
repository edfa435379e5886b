import { afterEach, expect, it } from "vitest";
import { createEngram, type Engram } from "../engram.js";
import { storeInputSchema } from "../memory/schemas.js";

let engram: Engram | undefined;
afterEach(() => engram?.close());

it("reads memory rows exactly as drizzle's select does: booleans, JSON, nulls and all", () => {
  const e = (engram = createEngram({ dbPath: ":memory:", dbSynchronous: "normal", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2 }));
  const alice = e.auth.createUser("alice", undefined, "writer").id;
  const bob = e.auth.createUser("bob", undefined, "writer").id;
  const stored = (userId: number, input: object) => {
    const r = e.memories.store(userId, storeInputSchema.parse(input));
    if (r.kind !== "stored") throw new Error("unexpected duplicate");
    return r.memory.id;
  };
  const a = stored(alice, { content: "The backup runs at 02:00", tags: ["ops", "backup"], is_static: true, importance: 8 });
  const b = stored(alice, { content: "The restore drill is on Fridays" });
  const foreign = stored(bob, { content: "Bob's backup runs at 03:00" });

  const read = e.memories.byIds(alice, [b, foreign, a]).sort((x, y) => x.id - y.id);
  expect(read).toEqual([e.memories.find(alice, a), e.memories.find(alice, b)]);
  expect(read[0]).toMatchObject({ tags: ["ops", "backup"], isStatic: true, isForgotten: false, forgetAfter: null });
});
