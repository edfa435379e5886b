import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { storeInputSchema } from "../memory/index.js";
import { tempEngram, type TempEngram } from "../../test/support/temp-engram.js";

/** The valence and causal post-store steps over a real database: idempotent, tenant-bound. */

let t: TempEngram;
beforeEach(() => {
  t = tempEngram("engram-signals-");
});
afterEach(() => t.close());

const store = (userId: number, content: string) => {
  const r = t.engram.memories.store(userId, storeInputSchema.parse({ content }));
  if (r.kind !== "stored") throw new Error("unexpected duplicate");
  return r.memory.id;
};

describe("the post-store steps of valence and causal links", () => {
  it("running a memory's steps twice leaves what running them once did", async () => {
    const cause = store(t.user, "The certificate on the edge proxy expired overnight");
    t.clock.advance(60_000);
    const effect = store(t.user, "Logins failed this morning because the certificate on the edge proxy expired");
    const once = await t.engram.postStore.run(t.user, effect);
    const twice = await t.engram.postStore.run(t.user, effect);
    expect(once).toMatchObject({ valence: { dominant_emotion: "neutral" }, causal: { links: 1 } });
    expect(twice).toMatchObject({ valence: { dominant_emotion: "neutral" }, causal: { links: 0 } });
    expect(t.engram.causal.chains(t.user, 10).flatMap((c) => c.links.map((l) => [l.cause_memory_id, l.effect_memory_id]))).toEqual([[cause, effect]]);
    expect(t.engram.memories.links(t.user, effect).filter((l) => l.type === "caused_by")).toHaveLength(1);
  });

  it("compares only with the tenant's recent memories: not another's, not older than 30 days", async () => {
    store(t.other, "The certificate on the edge proxy expired overnight");
    const old = store(t.user, "The disk of the backup host is full");
    t.clock.advance(31 * 24 * 3600 * 1000);
    const effect = store(t.user, "Logins failed because the certificate on the edge proxy expired; backups stopped because the disk of the backup host is full");
    expect(await t.engram.postStore.run(t.user, effect)).toMatchObject({ causal: { links: 0 } });
    expect(t.engram.causal.chains(t.user, 10)).toEqual([]);
    expect(t.engram.memories.links(t.user, old)).toEqual([]);
  });

  it("a memory deleted before its job ran is nothing to do", async () => {
    const id = store(t.user, "Happy with the new keyboard");
    t.engram.memories.delete(t.user, id);
    // Every step finds nothing to do, and none throws (a throw would retry the job, then dead-letter it).
    expect(await t.engram.postStore.run(t.user, id)).toMatchObject({ facts: null, valence: null, causal: { links: 0 } });
  });
});
