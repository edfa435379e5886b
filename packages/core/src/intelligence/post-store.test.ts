import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { storeInputSchema } from "../memory/schemas.js";
import { tempEngram, type TempEngram } from "../../test/support/temp-engram.js";

let t: TempEngram;
beforeEach(() => {
  t = tempEngram("engram-post-store-");
});
afterEach(() => t.close());

describe("post-store steps", () => {
  it("run once for each stored and each updated memory, on the durable queue, with the memory's tenant", async () => {
    const seen: [number, number][] = [];
    t.engram.postStore.add("record", (userId, memoryId) => void seen.push([userId, memoryId]));
    const stored = t.engram.memories.store(t.other, storeInputSchema.parse({ content: "The deploy window is Tuesday at 14:00 UTC" }), null);
    if (stored.kind !== "stored") throw new Error("not stored");
    const updated = t.engram.memories.update(t.other, stored.memory.id, { content: "The deploy window is Wednesday at 14:00 UTC" }, null);
    t.engram.jobs.start();
    await t.engram.jobs.idle();
    await t.engram.jobs.stop();
    expect(seen).toEqual([
      [t.other, stored.memory.id],
      [t.other, updated.id],
    ]);
  });

  it("refuses a second step of the same name, so two parts of the group cannot shadow each other", () => {
    // "facts" is added at assembly (intelligence/index.ts, createFacts).
    expect(() => t.engram.postStore.add("facts", () => {})).toThrow(/already added/);
  });
});
