import { getTableConfig } from "drizzle-orm/sqlite-core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openDb, type Db } from "../db/connection.js";
import * as schema from "../db/schema.js";
import { createAuth } from "../auth/index.js";
import { SpaceContentsStore } from "../memory/index.js";
import { JobQueue, type JobContext } from "./queue.js";
import { PICK_DUE_JOB } from "./store.js";
import { backoffMs, DEFAULT_JOBS_CONFIG, type JobsConfig } from "./config.js";
import { ManualClock } from "../util/clock.js";
import { EngramError } from "../errors.js";

const cfg: JobsConfig = { ...DEFAULT_JOBS_CONFIG, concurrency: 3, typeConcurrency: 2, backoffBaseMs: 1000, backoffMaxMs: 3000, pollMs: 20 };

let db: Db;
let clock: ManualClock;
let queue: JobQueue;
let alice: number;
let bob: number;

beforeEach(() => {
  db = openDb({ path: ":memory:" });
  clock = new ManualClock(new Date("2025-06-01T08:00:00.000Z"));
  const auth = createAuth({ db, clock }, { pepper: "", contents: new SpaceContentsStore(db) });
  alice = auth.createUser("alice", undefined, "writer").id;
  bob = auth.createUser("bob", undefined, "writer").id;
  queue = new JobQueue({ db, clock }, cfg);
});
afterEach(async () => {
  await queue.stop();
  db.close();
});

const job = (id: number) => queue.store.get({ kind: "all" }, id)!;

/** A promise the test resolves by hand, to hold a handler in the running state. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe("the jobs table", () => {
  it("matches the drizzle schema column for column", () => {
    const cfgT = getTableConfig(schema.jobs);
    const cols = (db.sqlite.prepare(`PRAGMA table_info(${cfgT.name})`).all() as { name: string }[]).map((c) => c.name);
    expect(cols.sort()).toEqual(cfgT.columns.map((c) => c.name).sort());
  });
});

describe("enqueue", () => {
  it("inside a transaction that rolls back leaves no job", () => {
    expect(() =>
      db.sqlite.transaction(() => {
        queue.enqueue("auto_link", { memory_id: 1 }, { userId: alice });
        throw new Error("the write failed");
      })(),
    ).toThrow("the write failed");
    expect(queue.stats({ kind: "all" }).total).toBe(0);
  });

  it("inside a transaction that commits is pending, due now, with the default attempts", () => {
    const id = db.sqlite.transaction(() => queue.enqueue("auto_link", { memory_id: 7 }, { userId: alice }))();
    expect(job(id)).toMatchObject({
      status: "pending",
      userId: alice,
      type: "auto_link",
      payload: JSON.stringify({ memory_id: 7 }),
      attempts: 0,
      maxAttempts: cfg.maxAttempts,
      runAt: clock.now().toISOString(),
    });
  });

  it("returns the owner's pending job for a dedupe key instead of adding another; keys are per owner", () => {
    const first = queue.enqueue("pagerank", {}, { userId: alice, dedupeKey: "pagerank" });
    expect(queue.enqueue("pagerank", {}, { userId: alice, dedupeKey: "pagerank" })).toBe(first);
    const bobs = queue.enqueue("pagerank", {}, { userId: bob, dedupeKey: "pagerank" });
    expect(bobs).not.toBe(first);
    expect(queue.stats({ kind: "all" }).pending).toBe(2);
  });
});

describe("running jobs", () => {
  it("hands the handler its job and stores what it returns", async () => {
    const seen: JobContext[] = [];
    queue.register("echo", (j) => {
      seen.push(j);
      return { echoed: (j.payload as { text: string }).text };
    });
    const id = queue.enqueue("echo", { text: "hello" }, { userId: alice });
    queue.start();
    await queue.idle();
    expect(seen).toEqual([{ id, userId: alice, type: "echo", payload: { text: "hello" }, attempt: 1 }]);
    expect(job(id)).toMatchObject({ status: "completed", result: JSON.stringify({ echoed: "hello" }), error: null, attempts: 1 });
    expect(job(id).completedAt).toBe(clock.now().toISOString());
  });

  it("relaxes only its own bookkeeping: a handler's writes and every write after a job wait for the disk (FULL)", async () => {
    const levels: unknown[] = [];
    queue.register("probe", () => void levels.push(db.sqlite.pragma("synchronous", { simple: true })));
    queue.register("failing", () => {
      throw new Error("no");
    });
    queue.enqueue("probe", {}, { userId: alice });
    queue.enqueue("failing", {}, { userId: alice, maxAttempts: 1 });
    queue.start();
    await queue.idle();
    expect(levels).toEqual([2]);
    expect(db.sqlite.pragma("synchronous", { simple: true })).toBe(2);
  });

  it("retries a throwing handler with exponential backoff, then dead-letters it with the last error", async () => {
    let calls = 0;
    queue.register("flaky", () => {
      calls++;
      throw new Error(`upstream refused (call ${calls})`);
    });
    const id = queue.enqueue("flaky", {}, { userId: alice, maxAttempts: 4 });
    queue.start();
    await queue.idle();
    const t0 = clock.now().getTime();
    expect(job(id)).toMatchObject({ status: "pending", attempts: 1, error: "upstream refused (call 1)" });
    expect(Date.parse(job(id).runAt)).toBe(t0 + 1000);

    clock.advance(999);
    await queue.idle();
    expect(calls).toBe(1); // not due yet

    // Waits of base·2^(n-1): 1 s, 2 s, then 4 s capped at 3 s.
    for (const [attempt, wait] of [[2, 1], [3, 2000], [4, 3000]] as const) {
      clock.advance(wait);
      await queue.idle();
      expect(calls).toBe(attempt);
      if (attempt < 4) {
        expect(job(id)).toMatchObject({ status: "pending", attempts: attempt, error: `upstream refused (call ${attempt})` });
        expect(Date.parse(job(id).runAt)).toBe(clock.now().getTime() + backoffMs(attempt, cfg));
      }
    }
    expect(backoffMs(3, cfg)).toBe(3000);
    expect(job(id)).toMatchObject({ status: "failed", attempts: 4, error: "upstream refused (call 4)", completedAt: clock.now().toISOString() });

    clock.advance(86_400_000);
    await queue.idle();
    expect(calls).toBe(4); // dead jobs stay dead
  });

  it("completes a job that succeeds on a retry and clears its error", async () => {
    let calls = 0;
    queue.register("second_time_lucky", async () => {
      if (++calls === 1) throw new Error("not yet");
      return "done";
    });
    const id = queue.enqueue("second_time_lucky", {});
    queue.start();
    await queue.idle();
    clock.advance(1000);
    await queue.idle();
    expect(job(id)).toMatchObject({ status: "completed", attempts: 2, error: null, result: '"done"' });
  });

  it("fails a job whose result cannot be stored as JSON instead of leaving it running", async () => {
    queue.register("bigint_result", () => ({ total: 10n }), { maxAttempts: 1 });
    const id = queue.enqueue("bigint_result", {});
    queue.start();
    await queue.idle();
    expect(job(id).status).toBe("failed");
    expect(job(id).error).toMatch(/BigInt/);
  });

  it("limits each type and the pool, so a flood of one type cannot take every slot", async () => {
    const g = gate();
    const started: string[] = [];
    const blocking = (name: string) => async (j: JobContext) => {
      started.push(`${name}#${j.id}`);
      await g.opened;
    };
    queue.register("flood", blocking("flood"));
    queue.register("other", blocking("other"), { concurrency: 1 });
    for (let i = 0; i < 10; i++) queue.enqueue("flood", { i });
    queue.enqueue("other", {});
    queue.enqueue("other", {});
    queue.start();
    const running = queue.list({ kind: "all" }, { status: "running", limit: 100, offset: 0 });
    expect(running.map((r) => r.type).sort()).toEqual(["flood", "flood", "other"]);
    g.open();
    await queue.idle();
    expect(queue.stats({ kind: "all" })).toMatchObject({ completed: 12, pending: 0, running: 0 });
    expect(started).toHaveLength(12);
  });

  it("leaves jobs of a type nobody registered pending, and idle() does not wait for them", async () => {
    const id = queue.enqueue("someone_elses_type", {});
    queue.start();
    await queue.idle();
    expect(job(id).status).toBe("pending");
    queue.register("someone_elses_type", () => "picked up once registered");
    await queue.idle();
    expect(job(id).status).toBe("completed");
  });

  it("stop() waits for running jobs and takes no new ones", async () => {
    const g = gate();
    queue.register("slow", () => g.opened.then(() => "finished"));
    const first = queue.enqueue("slow", {});
    queue.start();
    expect(job(first).status).toBe("running");
    const stopped = queue.stop();
    const second = queue.enqueue("slow", {});
    g.open();
    await stopped;
    expect(job(first).status).toBe("completed");
    await queue.idle();
    expect(job(second).status).toBe("pending");
  });

  it("a restart of the same queue does not mistake its own running job for a crashed one", async () => {
    const g = gate();
    let runs = 0;
    queue.register("slow", async () => {
      runs++;
      await g.opened;
    });
    const id = queue.enqueue("slow", {});
    queue.start();
    const stopped = queue.stop();
    queue.start();
    expect(job(id)).toMatchObject({ status: "running", attempts: 1 });
    g.open();
    await stopped;
    await queue.idle();
    expect(runs).toBe(1);
    expect(job(id).status).toBe("completed");
  });
});

describe("fair share across tenants", () => {
  /** A queue that runs one job at a time and records whose it was. */
  const oneAtATime = (types: string[], overrides: Partial<JobsConfig> = {}) => {
    const q = new JobQueue({ db, clock }, { ...cfg, concurrency: 1, ...overrides });
    const owners: (number | null)[] = [];
    const ids: number[] = [];
    for (const t of types)
      q.register(t, (j) => {
        owners.push(j.userId);
        ids.push(j.id);
      });
    return { q, owners, ids };
  };

  it("takes tenants in turn: one tenant's 1,500 queued jobs do not keep another's waiting", async () => {
    const { q, owners, ids } = oneAtATime(["auto_link", "ttl_sweep"]);
    const aliceJobs = db.sqlite.transaction(() => Array.from({ length: 1500 }, (_, i) => q.enqueue("auto_link", { i }, { userId: alice })))();
    clock.advance(1000);
    const bobsJob = q.enqueue("auto_link", {}, { userId: bob });
    const systemJob = q.enqueue("ttl_sweep", {});
    q.start();
    await q.idle();
    await q.stop();
    expect(owners).toHaveLength(1502);
    // Every lane was due at once: each got one turn before anyone got a second.
    expect(new Set(owners.slice(0, 3))).toEqual(new Set([alice, bob, null]));
    expect(ids.slice(0, 3).sort((a, b) => a - b)).toEqual([aliceJobs[0], bobsJob, systemJob]);
    // Within a tenant, oldest first.
    expect(ids.filter((id) => id !== bobsJob && id !== systemJob)).toEqual(aliceJobs);
  });

  it("alternates between tenants with work, in the order they were last served", async () => {
    const { q, owners } = oneAtATime(["auto_link"]);
    for (let i = 0; i < 4; i++) q.enqueue("auto_link", { i }, { userId: alice });
    for (let i = 0; i < 2; i++) q.enqueue("auto_link", { i }, { userId: bob });
    q.start();
    await q.idle();
    expect(owners).toEqual([alice, bob, alice, bob, alice, alice]);
    // Alice was served last: with both due again, Bob goes first.
    q.enqueue("auto_link", {}, { userId: alice });
    q.enqueue("auto_link", {}, { userId: bob });
    await q.stop();
    q.start();
    await q.idle();
    await q.stop();
    expect(owners.slice(6)).toEqual([bob, alice]);
  });

  it("skips a tenant whose due jobs are all of types at their limit", async () => {
    const g = gate();
    const q = new JobQueue({ db, clock }, { ...cfg, concurrency: 3 });
    const ran: string[] = [];
    q.register("slow", async (j) => {
      ran.push(`slow:${j.userId}`);
      await g.opened;
    }, { concurrency: 1 });
    q.register("fast", (j) => void ran.push(`fast:${j.userId}`));
    for (let i = 0; i < 3; i++) q.enqueue("slow", { i }, { userId: alice });
    q.enqueue("fast", {}, { userId: bob });
    q.enqueue("fast", {}, { userId: bob });
    q.start();
    await vi.waitFor(() => expect(ran.filter((r) => r === "fast:" + bob)).toHaveLength(2));
    expect(ran.filter((r) => r.startsWith("slow"))).toEqual([`slow:${alice}`]);
    g.open();
    await q.idle();
    await q.stop();
    expect(ran).toHaveLength(5);
  });

  it("claims through the lane index: a few seeks per lane and type, never a scan of the jobs", () => {
    const plan = (db.sqlite.prepare(`EXPLAIN QUERY PLAN ${PICK_DUE_JOB}`).all({ now: "", types: "[]" }) as { detail: string }[]).map((r) => r.detail);
    expect(plan[0]).toBe("SCAN l USING INDEX job_lanes_waiting");
    const jobsAccess = plan.filter((d) => /^(SCAN|SEARCH) [jp]\b/.test(d));
    expect(jobsAccess.length).toBeGreaterThan(0);
    for (const d of jobsAccess) expect(d).toMatch(/^SEARCH (p USING INDEX jobs_lane_due \(<expr>=\? AND type=\? AND run_at<\?\)|j USING INTEGER PRIMARY KEY)/);
  });
});

describe("the cap on a tenant's pending jobs", () => {
  const capped = () => new JobQueue({ db, clock }, { ...cfg, maxPendingPerTenant: 3 });

  it("refuses a tenant's job past the cap, rolling back the write that enqueued it", () => {
    const q = capped();
    for (let i = 0; i < 3; i++) q.enqueue("auto_link", { i }, { userId: alice });
    db.sqlite.exec("CREATE TABLE notes (text TEXT)");
    const write = () =>
      db.sqlite.transaction(() => {
        db.sqlite.prepare("INSERT INTO notes VALUES ('the memory row')").run();
        q.enqueue("auto_link", { i: 3 }, { userId: alice });
      })();
    expect(write).toThrow(EngramError);
    try {
      write();
    } catch (err) {
      expect(err).toMatchObject({ kind: "busy", retryAfterSecs: 30 });
      expect((err as Error).message).toBe(
        "3 background jobs of this user are already waiting to run (ENGRAM_JOB_MAX_PENDING_PER_TENANT); the write was refused and changed nothing: retry once they have run",
      );
    }
    expect(db.sqlite.prepare("SELECT count(*) AS n FROM notes").get()).toEqual({ n: 0 });
    expect(q.stats({ kind: "user", userId: alice }).pending).toBe(3);
  });

  it("counts only pending jobs of that tenant; system and deduplicated jobs are never refused", () => {
    const q = capped();
    for (let i = 0; i < 3; i++) q.enqueue("auto_link", { i }, { userId: alice });
    expect(q.enqueue("auto_link", {}, { userId: bob })).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) q.enqueue("ttl_sweep", { i });
    expect(q.enqueue("graph_refresh", {}, { userId: alice, dedupeKey: "graph_refresh" })).toBeGreaterThan(0);
    expect(q.store.pendingCount(alice)).toBe(4);
    // A job leaving pending frees a place.
    expect(q.store.claim(["auto_link"], clock.now().toISOString())).toBeDefined();
    q.enqueue("auto_link", { i: 4 }, { userId: bob });
    expect(() => q.enqueue("auto_link", {}, { userId: alice })).toThrow(EngramError);
  });

  it("keeps each lane's pending count equal to its pending jobs through every path a job takes", async () => {
    const pending = db.sqlite.prepare("SELECT count(*) AS n FROM jobs WHERE status = 'pending' AND user_id IS ?");
    const check = () => {
      for (const userId of [alice, bob, null]) expect(queue.store.pendingCount(userId), `lane of ${userId}`).toBe((pending.get(userId) as { n: number }).n);
    };
    queue.register("doomed", () => {
      throw new Error("no");
    });
    queue.register("fine", () => "ok");
    for (const userId of [alice, bob, null]) {
      for (let i = 0; i < 3; i++) queue.enqueue("doomed", {}, { userId, maxAttempts: 2 });
      queue.enqueue("fine", {}, { userId });
      queue.enqueue("unhandled", {}, { userId });
    }
    check();
    expect(queue.store.pendingCount(alice)).toBe(5);
    queue.start();
    await queue.idle(); // doomed jobs wait for their retry
    check();
    clock.advance(cfg.backoffMaxMs);
    await queue.idle(); // and fail for good
    check();
    queue.retryFailed({ kind: "user", userId: alice });
    check();
    await queue.stop();
    queue.purge({ kind: "user", userId: bob }, { statuses: ["pending"] });
    check();
    db.sqlite.prepare("DELETE FROM users WHERE id = ?").run(alice); // cascades to her jobs
    check();
    expect(queue.store.pendingCount(alice)).toBe(0);
  });
});

describe("recurring work", () => {
  it("enqueues at start, then once per interval, skipping a round while the last is unfinished", async () => {
    const g = gate();
    let runs = 0;
    queue.register("refresh", async () => {
      runs++;
      if (runs === 2) await g.opened;
    });
    queue.every("refresh", 60_000);
    queue.start();
    await queue.idle();
    expect(runs).toBe(1);

    clock.advance(30_000);
    await queue.idle();
    expect(runs).toBe(1);

    clock.advance(30_000);
    const drained = queue.idle(); // idle() ticks at once: the second run starts and is held open
    await vi.waitFor(() => expect(runs).toBe(2));
    clock.advance(60_000);
    void queue.idle();
    const refreshJobs = () => queue.list({ kind: "all" }, { type: "refresh", limit: 10, offset: 0 });
    expect(refreshJobs().map((j) => j.status)).toEqual(["running", "completed"]); // no third while the second runs
    g.open();
    await drained;
    await queue.idle();
    expect(refreshJobs().map((j) => j.status)).toEqual(["completed", "completed"]);
  });

  it("keeps its rhythm across a restart: the next run is one interval after the last enqueue", async () => {
    queue.register("refresh", () => null);
    queue.every("refresh", 3_600_000);
    queue.start();
    await queue.idle();
    await queue.stop();

    clock.advance(1_800_000);
    const restarted = new JobQueue({ db, clock }, cfg);
    restarted.register("refresh", () => null);
    restarted.every("refresh", 3_600_000);
    restarted.start();
    await restarted.idle();
    expect(restarted.stats({ kind: "all" }).total).toBe(1);
    clock.advance(1_800_000);
    await restarted.idle();
    expect(restarted.stats({ kind: "all" })).toMatchObject({ total: 2, completed: 2 });
    await restarted.stop();
  });
});

describe("operator actions", () => {
  const fail = async (userId: number, n: number) => {
    const ids = Array.from({ length: n }, () => queue.enqueue("doomed", {}, { userId, maxAttempts: 1 }));
    await queue.idle();
    return ids;
  };

  beforeEach(() => {
    queue.register("doomed", () => {
      throw new Error("no such upstream");
    });
    queue.start();
  });

  it("lists and counts one tenant's jobs only; another tenant's id is not found", async () => {
    const [aliceJob] = await fail(alice, 1);
    const [bobJob] = await fail(bob, 2);
    const mine = { kind: "user", userId: alice } as const;
    expect(queue.list(mine, { limit: 50, offset: 0 }).map((j) => j.id)).toEqual([aliceJob]);
    expect(queue.stats(mine)).toEqual({
      pending: 0,
      running: 0,
      completed: 0,
      failed: 1,
      total: 1,
      by_type: { doomed: { pending: 0, running: 0, completed: 0, failed: 1 } },
    });
    expect(queue.stats({ kind: "all" }).failed).toBe(3);
    expect(() => queue.get(mine, bobJob!)).toThrow(EngramError);
    expect(() => queue.retryOne(mine, bobJob!)).toThrow("job not found");
    expect(job(bobJob!).status).toBe("failed");
  });

  it("retry moves failed jobs back to pending with fresh attempts; only failed jobs can be retried", async () => {
    const [a, b] = await fail(alice, 2);
    const pending = queue.enqueue("unhandled", {}, { userId: alice });
    const mine = { kind: "user", userId: alice } as const;
    expect(() => queue.retryOne(mine, pending)).toThrow(/only failed jobs can be retried/);
    await queue.stop(); // so the retried jobs stay visible as pending
    expect(queue.retryOne(mine, a!)).toMatchObject({ status: "pending", attempts: 0, error: "no such upstream" });
    expect(queue.retryFailed(mine, "other_type")).toEqual([]);
    expect(queue.retryFailed(mine, "doomed")).toEqual([b]);
    expect(job(b!).runAt).toBe(clock.now().toISOString());
  });

  it("purge deletes by status and age, never running jobs; cleanup deletes completed jobs before a cutoff", async () => {
    queue.register("fine", () => "ok");
    const [failedOld] = await fail(alice, 1);
    const doneOld = queue.enqueue("fine", {}, { userId: alice });
    await queue.idle();
    clock.advance(3_600_000);
    const [failedNew] = await fail(alice, 1);
    const doneNew = queue.enqueue("fine", {}, { userId: alice });
    await queue.idle();
    await fail(bob, 1);
    const mine = { kind: "user", userId: alice } as const;

    const cutoff = new Date(clock.now().getTime() - 60_000);
    expect(queue.purge(mine, { statuses: ["failed"], before: cutoff, type: "fine" })).toBe(0);
    expect(queue.purge(mine, { statuses: ["failed"], before: cutoff })).toBe(1);
    expect(queue.store.get(mine, failedOld!)).toBeUndefined();
    expect(queue.cleanup(mine, { before: cutoff, type: "doomed" })).toBe(0);
    expect(queue.cleanup(mine, { before: cutoff })).toBe(1);
    expect(queue.store.get(mine, doneOld)).toBeUndefined();
    expect(job(failedNew!).status).toBe("failed");
    expect(job(doneNew).status).toBe("completed");
    expect(queue.purge(mine, { statuses: ["failed", "completed"] })).toBe(2);
    expect(queue.stats(mine).total).toBe(0);
    expect(queue.stats({ kind: "all" }).failed).toBe(1); // bob's is untouched
  });
});
