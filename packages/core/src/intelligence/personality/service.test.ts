import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempEngram, type TempEngram } from "../../../test/support/temp-engram.js";
import { storeInputSchema } from "../../memory/index.js";

let temp: TempEngram;
beforeEach(() => {
  temp = tempEngram("engram-personality-");
});
afterEach(() => temp.close());

const store = (userId: number, content: string) => {
  const r = temp.engram.memories.store(userId, storeInputSchema.parse({ content }));
  if (r.kind !== "stored") throw new Error("not stored");
  return r.memory.id;
};

describe("the personality post-store step (rules)", () => {
  it("is idempotent: a retried job leaves one set of signals for the memory", async () => {
    const { personality } = temp.engram;
    const id = store(temp.user, "I love sailing, I value honesty and I am a night owl.");
    expect(await personality.detectForMemory(temp.user, id)).toEqual({ signals: 3 });
    expect(await personality.detectForMemory(temp.user, id)).toEqual({ signals: 3 });
    expect(personality.list(temp.user, 100)).toHaveLength(3);
  });

  it("drops a forgotten memory's signals and never reads another tenant's memory", async () => {
    const { personality, memories } = temp.engram;
    const id = store(temp.user, "I really enjoy long walks by the river.");
    await personality.detectForMemory(temp.user, id);
    // The other tenant's job for this id finds no memory of theirs: nothing is written for them.
    expect(await personality.detectForMemory(temp.other, id)).toEqual({ signals: 0 });
    expect(personality.list(temp.other, 100)).toEqual([]);
    memories.setStatus(temp.user, id, "forgotten", "test");
    expect(await personality.detectForMemory(temp.user, id)).toEqual({ signals: 0 });
    expect(personality.list(temp.user, 100)).toEqual([]);
  });
});
