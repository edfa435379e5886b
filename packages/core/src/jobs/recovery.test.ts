import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEngram, type Engram } from "../engram.js";
import { DEFAULT_JOBS_CONFIG } from "./config.js";
import type { JobContext } from "./queue.js";

let dir: string;
let open: Engram[];

const start = () => {
  const engram = createEngram({
    dbPath: path.join(dir, "engram.db"),
    dbSynchronous: "full",
    apiKeyPepper: "",
    embedder: null,
    vectorMinSimilarity: 0.2,
    jobs: { ...DEFAULT_JOBS_CONFIG, sweepIntervalMs: 0, pollMs: 20 },
  });
  open.push(engram);
  return engram;
};

/** What a crash does: the process (here, the database handle) goes away mid-job; nothing finishes. */
const crash = (engram: Engram) => {
  void engram.jobs.stop(); // only silences the poll timer; the hung handler never settles
  engram.close();
};

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-jobs-"));
  open = [];
});
afterEach(() => {
  for (const e of open) e.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("jobs across a crash (real database file)", () => {
  it("runs a job that was running when the process died again after restart", async () => {
    const first = start();
    const user = first.auth.createUser("alice", undefined, "writer").id;
    first.jobs.register("reindex", () => new Promise(() => {})); // hangs: the crash lands mid-run
    const id = first.jobs.enqueue("reindex", { space: "default" }, { userId: user });
    first.jobs.start();
    expect(first.jobs.get({ kind: "all" }, id).status).toBe("running");
    crash(first);

    const second = start();
    const seen: JobContext[] = [];
    second.jobs.register("reindex", (job) => {
      seen.push(job);
      return { reindexed: true };
    });
    // Before start the row still says running: nothing has touched it since the crash.
    expect(second.jobs.get({ kind: "all" }, id).status).toBe("running");
    second.jobs.start();
    await second.jobs.idle();
    expect(seen).toEqual([{ id, userId: user, type: "reindex", payload: { space: "default" }, attempt: 2 }]);
    expect(second.jobs.get({ kind: "all" }, id)).toMatchObject({ status: "completed", attempts: 2, error: null });
  });

  it("dead-letters a job whose last attempt was cut off, so a job that kills the process cannot loop forever", async () => {
    const first = start();
    first.jobs.register("poison", () => new Promise(() => {}));
    const id = first.jobs.enqueue("poison", {}, { maxAttempts: 1 });
    first.jobs.start();
    crash(first);

    const second = start();
    let ran = false;
    second.jobs.register("poison", () => {
      ran = true;
    });
    second.jobs.start();
    await second.jobs.idle();
    expect(ran).toBe(false);
    expect(second.jobs.get({ kind: "all" }, id)).toMatchObject({ status: "failed", attempts: 1 });
    expect(second.jobs.get({ kind: "all" }, id).error).toMatch(/interrupted/);
  });

  it("keeps pending jobs and their backoff across a clean restart", async () => {
    const first = start();
    first.jobs.register("later", () => "ran");
    const due = Date.now() + 3_600_000;
    const id = first.jobs.enqueue("later", {}, { runAt: new Date(due) });
    first.jobs.start();
    await first.jobs.idle();
    await first.jobs.stop();
    first.close();

    const second = start();
    second.jobs.register("later", () => "ran");
    second.jobs.start();
    await second.jobs.idle();
    expect(second.jobs.get({ kind: "all" }, id)).toMatchObject({ status: "pending", attempts: 0, runAt: new Date(due).toISOString() });
  });
});
