import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../config/index.js";
import { createEngram, type Engram } from "../engram.js";
import { ManualClock } from "../util/clock.js";

/**
 * ENGRAM_JOB_CONCURRENCY, _TYPE_CONCURRENCY, _BACKOFF_BASE_MS and _BACKOFF_MAX_MS read from the
 * environment as the server reads them (loadConfig → createEngram), each checked by its effect on
 * the queue, with the clock moved by hand and blocking handlers held on a gate (no sleeps).
 */

const open: { engram: Engram; release: () => void }[] = [];
afterEach(async () => {
  for (const { engram, release } of open.splice(0)) {
    release();
    await engram.jobs.stop();
    engram.close();
  }
});

function engramWith(env: Record<string, string>) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-job-settings-"));
  const clock = new ManualClock(new Date("2025-06-01T12:00:00.000Z"));
  const engram = createEngram(loadConfig({ ENGRAM_DATA_DIR: dataDir, ENGRAM_EMBEDDING_PROVIDER: "none", ...env }), { clock });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  open.push({ engram, release });
  return { engram, clock, gate };
}

const running = (engram: Engram, type?: string) =>
  engram.jobs.list({ kind: "all" }, { status: "running", limit: 100, offset: 0 }).filter((j) => type === undefined || j.type === type).length;

describe("ENGRAM_JOB_CONCURRENCY", () => {
  it.each([
    ["1", 1],
    [undefined, 4],
  ])("=%s: with nine blocking jobs of three types queued, %s run at once", (concurrency, count) => {
    const { engram, gate } = engramWith(concurrency ? { ENGRAM_JOB_CONCURRENCY: concurrency } : {});
    for (const type of ["a", "b", "c"]) {
      engram.jobs.register(type, () => gate);
      for (let i = 0; i < 3; i++) engram.jobs.enqueue(type, { i });
    }
    engram.jobs.start();
    expect(running(engram)).toBe(count);
  });
});

describe("ENGRAM_JOB_TYPE_CONCURRENCY", () => {
  it.each([
    ["1", 1],
    ["3", 3],
    [undefined, 2],
  ])("=%s: with five blocking jobs of one type queued, %s of them run at once", (perType, count) => {
    const { engram, gate } = engramWith(perType ? { ENGRAM_JOB_TYPE_CONCURRENCY: perType } : {});
    engram.jobs.register("flood", () => gate);
    for (let i = 0; i < 5; i++) engram.jobs.enqueue("flood", { i });
    engram.jobs.start();
    expect(running(engram, "flood")).toBe(count);
  });
});

describe("ENGRAM_JOB_BACKOFF_BASE_MS / ENGRAM_JOB_BACKOFF_MAX_MS", () => {
  it.each([
    [{ ENGRAM_JOB_BACKOFF_BASE_MS: "1000", ENGRAM_JOB_BACKOFF_MAX_MS: "1500" }, [1000, 1500]],
    [{ ENGRAM_JOB_BACKOFF_BASE_MS: "1000" }, [1000, 2000]],
    [{}, [5000, 10_000]],
  ])("%j: a failing job is retried after the base, then after twice the base capped at the max: %j ms", async (env, waits) => {
    const { engram, clock } = engramWith(env);
    let calls = 0;
    engram.jobs.register("flaky", () => {
      calls++;
      throw new Error(`refused (call ${calls})`);
    });
    const id = engram.jobs.enqueue("flaky", {}, { maxAttempts: 3 });
    engram.jobs.start();
    await engram.jobs.idle();
    for (const [attempt, wait] of waits.entries()) {
      const job = engram.jobs.get({ kind: "all" }, id);
      expect(job).toMatchObject({ status: "pending", attempts: attempt + 1 });
      expect(Date.parse(job.runAt)).toBe(clock.now().getTime() + wait);
      clock.advance(wait - 1);
      await engram.jobs.idle();
      expect(calls).toBe(attempt + 1); // not due yet
      clock.advance(1);
      await engram.jobs.idle();
      expect(calls).toBe(attempt + 2);
    }
  });
});
