import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEngram } from "../../engram.js";
import { tempEngram, type TempEngram } from "../../../test/support/temp-engram.js";
import { storeInputSchema } from "../../memory/index.js";
import { decomposeByRules } from "./rules.js";

let t: TempEngram;
beforeEach(() => {
  t = tempEngram("engram-decompose-");
});
afterEach(() => t.close());

const LONG = "So basically I live in Oslo and work at Acme as a backend engineer. As I mentioned, the backup job runs at 02:00 on host vega.";

function store(content: string, extra: Record<string, unknown> = {}, user = t.user): number {
  const r = t.engram.memories.store(user, storeInputSchema.parse({ content, ...extra }));
  if (r.kind !== "stored") throw new Error("not stored");
  return r.memory.id;
}

describe("decomposition rules", () => {
  it("clauses with the subject carried over; fillers and meta openings dropped; values kept", () => {
    expect(decomposeByRules(LONG)).toEqual({
      facts: ["I live in Oslo.", "I work at Acme as a backend engineer.", "The backup job runs at 02:00 on host vega."],
      tier: "tier2-rules",
    });
    expect(decomposeByRules("I like salt and pepper on everything I cook at home.").tier).toBeNull();
  });
});

describe("DecomposeService", () => {
  it("children are fact memories through the store path, linked has_fact from the untouched parent", async () => {
    const parent = store(LONG, { importance: 8, tags: ["ops"] });
    const r = await t.engram.decompose.decompose(t.user, parent);
    expect(r).toMatchObject({ tier: "tier2-rules", method: "rules" });
    expect(r.childIds).toHaveLength(3);
    for (const id of r.childIds) {
      const child = t.engram.memories.get(t.user, id);
      expect(child).toMatchObject({ category: "fact", source: "decomposition", isFact: true, importance: 8, tags: ["ops"], version: 1, parentMemoryId: null });
    }
    const p = t.engram.memories.get(t.user, parent);
    expect(p).toMatchObject({ content: LONG, isDecomposed: true, version: 1, isLatest: true });
    expect(t.engram.memories.links(t.user, parent).filter((l) => l.type === "has_fact").map((l) => [l.sourceId, l.targetId])).toEqual(r.childIds.map((c) => [parent, c]));
    // Versions of the parent stay its own: the children are not in its chain.
    expect(t.engram.memories.versions(t.user, parent).map((v) => v.id)).toEqual([parent]);
    // The children are searchable like any stored memory.
    const hits = await t.engram.search.search(t.user, { query: "backup job vega", limit: 5 });
    expect(hits.hits.map((h) => h.memory.id)).toContain(r.childIds[2]);
  });

  it("a second call returns the first call's children", async () => {
    const parent = store(LONG);
    const first = await t.engram.decompose.decompose(t.user, parent);
    const second = await t.engram.decompose.decompose(t.user, parent);
    expect(second.childIds).toEqual(first.childIds);
  });

  it("short memories and facts are marked decomposed with no children; another tenant's id is not found", async () => {
    const short = store("I live in Oslo.");
    expect(await t.engram.decompose.decompose(t.user, short)).toEqual({ childIds: [], tier: null, method: "rules" });
    expect(t.engram.memories.get(t.user, short).isDecomposed).toBe(true);
    const foreign = store(LONG, {}, t.other);
    await expect(t.engram.decompose.decompose(t.user, foreign)).rejects.toMatchObject({ kind: "not_found" });
    expect(t.engram.memories.get(t.other, foreign).isDecomposed).toBe(false);
  });

  it("a sweep over more than 50 memories runs as jobs, each batch showing the totals so far", async () => {
    for (let i = 0; i < 55; i++) store(`Note ${i}: the build server number ${i} runs Debian. It restarts at ${i}:00 every night.`);
    const r = await t.engram.decompose.sweep(t.user, 200);
    expect(r.kind).toBe("job");
    t.engram.jobs.start();
    await t.engram.jobs.idle();
    await t.engram.jobs.stop();
    const runs = t.engram.jobs.list({ kind: "user", userId: t.user }, { type: "decompose_sweep", limit: 10, offset: 0 });
    const results = runs.map((j) => JSON.parse(j.result!)).sort((a, b) => a.processed - b.processed);
    expect(results.map((x) => [x.processed, x.done])).toEqual([
      [50, false],
      [55, true],
    ]);
    expect(results[1].children_created).toBe(110);
    expect(await t.engram.decompose.sweep(t.user, 200)).toEqual({ kind: "done", processed: 0, childrenCreated: 0, skipped: 0 });
    // 165 stores and 55 splits on a shared 2-core machine: more than the default 5 s.
  }, 60_000);
});

describe("ENGRAM_AUTO_DECOMPOSE", () => {
  it("on: the post-store job splits each new memory of 50 characters or more; off (the default): nothing is split", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-auto-decompose-"));
    const engram = createEngram({ dbPath: path.join(dir, "e.db"), dbSynchronous: "normal", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2, autoDecompose: true });
    try {
      const user = engram.auth.bootstrap(undefined, undefined, undefined).user.id;
      const r = engram.memories.store(user, storeInputSchema.parse({ content: LONG }));
      if (r.kind !== "stored") throw new Error("not stored");
      engram.jobs.start();
      await engram.jobs.idle();
      await engram.jobs.stop();
      const parent = engram.memories.get(user, r.memory.id);
      expect(parent.isDecomposed).toBe(true);
      const children = engram.memories.links(user, parent.id).filter((l) => l.type === "has_fact");
      expect(children).toHaveLength(3);
      // The children are facts: they are not split again.
      for (const l of children) expect(engram.memories.get(user, l.targetId)).toMatchObject({ isFact: true, isDecomposed: false });
    } finally {
      engram.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const off = store(LONG);
    t.engram.jobs.start();
    await t.engram.jobs.idle();
    await t.engram.jobs.stop();
    expect(t.engram.memories.get(t.user, off).isDecomposed).toBe(false);
  });
});
