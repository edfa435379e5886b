import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "./config/index.js";
import { createEngram, type Engram } from "./engram.js";
import { ManualClock } from "./util/clock.js";
import { storeInputSchema } from "./memory/schemas.js";

/**
 * Settings read from the environment as the server reads them (loadConfig → createEngram), each
 * checked by its effect, with the clock moved by hand.
 */

const open: Engram[] = [];
afterEach(() => {
  for (const e of open.splice(0)) e.close();
});

function engramWith(env: Record<string, string>) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-settings-"));
  const clock = new ManualClock(new Date("2025-06-01T12:00:00.000Z"));
  const engram = createEngram(loadConfig({ ENGRAM_DATA_DIR: dataDir, ENGRAM_EMBEDDING_PROVIDER: "none", ...env }), { clock });
  open.push(engram);
  const user = engram.auth.bootstrap(undefined, undefined, undefined).user.id;
  const store = (content: string) => {
    const r = engram.memories.store(user, storeInputSchema.parse({ content }));
    return r.kind === "stored" ? r.memory.id : r.existingId;
  };
  return { engram, clock, user, store };
}

describe("ENGRAM_FSRS_IMPLICIT_WINDOW_SECS", () => {
  it.each([
    ["60", 2],
    [undefined, 1],
  ])("=%s: an implicit review (what search, recall and context give their results) 61 s after the store leaves %s reps", (window, reps) => {
    const { engram, clock, user, store } = engramWith(window ? { ENGRAM_FSRS_IMPLICIT_WINDOW_SECS: window } : {});
    const id = store("the pottery wheel needs a new belt");
    clock.advance(61_000);
    engram.fsrs.implicitReview(user, [id]);
    expect(engram.memories.get(user, id).fsrsReps).toBe(reps);
  });
});

describe("ENGRAM_FUSION", () => {
  it("rrf scores by rank, score fusion by the channels' own scores", async () => {
    const results = [];
    for (const fusion of ["rrf", "score"]) {
      const { engram, user, store } = engramWith({ ENGRAM_FUSION: fusion });
      store("the glaze recipe uses feldspar and silica and whiting");
      store("silica dust needs a mask");
      const r = await engram.search.search(user, { query: "glaze feldspar silica whiting", limit: 5 });
      expect(r.fusion).toBe(fusion);
      results.push(r.hits.map((h) => h.fused));
    }
    const [rrf, score] = results as [number[], number[]];
    expect(rrf).toHaveLength(2);
    expect(rrf).not.toEqual(score);
  });
});

describe("the near-duplicate window", () => {
  it("compares a store with the user's 500 newest memories, no further", { timeout: 30_000 }, () => {
    const { store } = engramWith({});
    const first = store("the studio key is under the blue flowerpot by the door");
    for (let i = 0; i < 499; i++) store(`${i} ${crypto.randomUUID()} ${crypto.randomUUID()}`.replace(/-/g, " "));
    // 500 newer memories back, the first is still compared: a duplicate.
    expect(store("the studio key is under the blue flowerpot by the door")).toBe(first);
    store(`${crypto.randomUUID()} ${crypto.randomUUID()}`.replace(/-/g, " "));
    // Now 501 back: out of the window, so a new memory.
    expect(store("the studio key is under the blue flowerpot by the door")).not.toBe(first);
  });
});

describe("ENGRAM_JOB_RETENTION_DAYS", () => {
  it("the scheduled jobs_cleanup deletes finished jobs older than the retention, and keeps newer ones", async () => {
    const { engram, clock } = engramWith({ ENGRAM_JOB_RETENTION_DAYS: "2", ENGRAM_JOB_POLL_MS: "10" });
    engram.jobs.register("noop", () => ({}));
    const old = engram.jobs.enqueue("noop", {});
    engram.jobs.start();
    await engram.jobs.idle();
    clock.advance(1.5 * 86_400_000);
    const recent = engram.jobs.enqueue("noop", {});
    await engram.jobs.idle();
    clock.advance(1 * 86_400_000);
    // 2.5 days after the first job, 1 day after the second: only the first is past 2 days.
    const cleanup = engram.jobs.enqueue("jobs_cleanup", {});
    await engram.jobs.idle();
    // The cutoff is the retention before now; the scheduled jobs that ran at start are past it too.
    expect(JSON.parse(engram.jobs.get({ kind: "all" }, cleanup).result as string)).toMatchObject({ before: "2025-06-02T00:00:00.000Z" });
    expect(() => engram.jobs.get({ kind: "all" }, old)).toThrow();
    expect(engram.jobs.get({ kind: "all" }, recent).status).toBe("completed");
    await engram.jobs.stop();
  });
});
