import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEngram } from "../engram.js";
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
    t.engram.postStore.add("facts", () => {});
    expect(() => t.engram.postStore.add("facts", () => {})).toThrow(/already added/);
  });

  it("are not queued at all with intelligence jobs off (ENGRAM_INTELLIGENCE_JOBS=0)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-post-store-off-"));
    const engram = createEngram({ dbPath: path.join(dir, "e.db"), dbSynchronous: "normal", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2, intelligenceJobs: false });
    try {
      const user = engram.auth.bootstrap(undefined, undefined, undefined).user.id;
      let ran = 0;
      engram.postStore.add("record", () => void ran++);
      engram.memories.store(user, storeInputSchema.parse({ content: "The deploy window is Tuesday at 14:00 UTC" }), null);
      engram.jobs.start();
      await engram.jobs.idle();
      await engram.jobs.stop();
      expect(ran).toBe(0);
      expect(engram.jobs.list({ kind: "user", userId: user }, { limit: 10, offset: 0 }).map((j) => j.type)).toEqual(["auto_link"]);
    } finally {
      engram.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
