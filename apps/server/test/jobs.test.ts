import { createEngram, DEFAULT_JOBS_CONFIG, ManualClock, storeInputSchema } from "@engram/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, tempDir, type RunningServer } from "../../../test/support/server.js";
import { keyFor, newTenant, twoTenants } from "../../../test/support/tenants.js";

const NO_MODEL = { ENGRAM_EMBEDDING_PROVIDER: "none" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until the probe yields a value; the test timeout bounds the wait, nothing asserts how long it took. */
async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(50);
  }
}

type Client = ReturnType<typeof api>;
let server: RunningServer;
let admin: Client;
let alice: Client;
let bob: Client;
let aliceReader: Client;
let aliceId: number;
let bobId: number;
/** Job and memory ids of the state prepared with the core queue before the server starts. */
const prepared = { aliceFailed: [] as number[], bobFailed: 0, alicePending: 0, crashedSweep: 0, expiredMemory: 0 };

beforeAll(async () => {
  const dataDir = tempDir();
  const setup = await startServer(NO_MODEL, dataDir);
  const t = await twoTenants(setup.url);
  const adminKey = t.adminKey;
  aliceId = t.alice.id;
  bobId = t.bob.id;
  const keys = {
    alice: t.alice.key,
    bob: t.bob.key,
    aliceReader: (await keyFor(setup.url, t.admin, aliceId, "read")).key,
  };
  expect(await setup.stop()).toBe(0);

  // Queue state made by the real core queue over the server's own database file: dead-lettered
  // jobs of a type that always throws, a pending job of a type the server has no handler for,
  // and a tenant's ttl_sweep claimed by a worker and never finished, as a crash leaves it.
  const clock = new ManualClock(new Date(Date.now() - 3_600_000));
  const engram = createEngram(
    { dbPath: setup.dbPath, dbSynchronous: "full", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2, jobs: { ...DEFAULT_JOBS_CONFIG, sweepIntervalMs: 0 } },
    { clock },
  );
  engram.jobs.register("test_upstream", () => {
    throw new Error("upstream unavailable");
  }, { maxAttempts: 1 });
  prepared.aliceFailed = [1, 2].map((n) => engram.jobs.enqueue("test_upstream", { n }, { userId: aliceId }));
  prepared.bobFailed = engram.jobs.enqueue("test_upstream", { n: 3 }, { userId: bobId });
  engram.jobs.start();
  await engram.jobs.idle();
  await engram.jobs.stop();
  prepared.alicePending = engram.jobs.enqueue("test_unhandled", { note: "no handler in the server" }, { userId: aliceId });
  const stored = engram.memories.store(aliceId, storeInputSchema.parse({ content: "Alice's visitor pass code is 8812", ttl_secs: 60 }));
  if (stored.kind !== "stored") throw new Error("unexpected duplicate");
  prepared.expiredMemory = stored.memory.id;
  prepared.crashedSweep = engram.jobs.enqueue("ttl_sweep", {}, { userId: aliceId });
  expect(engram.jobs.store.claim(["ttl_sweep"], clock.now().toISOString())?.id).toBe(prepared.crashedSweep);
  engram.close();

  // The scheduled sweep is off here so that only POST /sweep and the recovered job forget anything.
  server = await startServer({ ...NO_MODEL, ENGRAM_SWEEP_INTERVAL_SECS: "0" }, dataDir);
  admin = api(server.url, adminKey);
  alice = api(server.url, keys.alice);
  bob = api(server.url, keys.bob);
  aliceReader = api(server.url, keys.aliceReader);
});
afterAll(() => server.stop());

const ids = (jobs: { id: number }[]) => jobs.map((j) => j.id);
/** Other features enqueue their own jobs (auto-linking on store, …): assertions look at this file's types only. */
const OWN_TYPES = ["test_upstream", "test_unhandled", "ttl_sweep"];
const own = (stats: { by_type: Record<string, unknown> }) => Object.fromEntries(OWN_TYPES.map((t) => [t, stats.by_type[t]]));
const counts = (c: Partial<Record<"pending" | "running" | "completed" | "failed", number>>) => ({ pending: 0, running: 0, completed: 0, failed: 0, ...c });

describe("crash recovery at start-up", () => {
  it("runs a ttl_sweep that a crash cut off again, and it forgets what expired meanwhile", async () => {
    const job = await eventually(async () => {
      const res = await alice.get(`/jobs/${prepared.crashedSweep}`);
      return res.body.status === "completed" ? res.body : undefined;
    });
    expect(job).toMatchObject({ type: "ttl_sweep", user_id: aliceId, attempts: 2, result: { swept: 1 } });
    expect((await alice.get(`/memory/${prepared.expiredMemory}`)).status).toBe(404);
    const all = (await alice.get("/list?include_forgotten=true")).body.results;
    expect(all.find((m: { id: number }) => m.id === prepared.expiredMemory)).toMatchObject({ status: "forgotten", forget_reason: "ttl expired" });
  });
});

describe("listing jobs", () => {
  it("GET /jobs lists only the caller's jobs, newest first", async () => {
    const res = await alice.get("/jobs");
    expect(res.status).toBe(200);
    const prepIds = new Set([prepared.crashedSweep, prepared.alicePending, ...prepared.aliceFailed]);
    expect(ids(res.body.jobs).filter((id) => prepIds.has(id))).toEqual([prepared.crashedSweep, prepared.alicePending, ...[...prepared.aliceFailed].reverse()]);
    expect(res.body.jobs.every((j: { user_id: number }) => j.user_id === aliceId)).toBe(true);
    expect(res.body).toMatchObject({ count: res.body.jobs.length, limit: 50, offset: 0 });
    const bobs = ids((await bob.get("/jobs")).body.jobs);
    expect(bobs).toContain(prepared.bobFailed);
    expect(bobs.some((id) => prepIds.has(id))).toBe(false);
    expect(ids((await alice.get("/jobs?status=failed&type=test_upstream&limit=1")).body.jobs)).toEqual([prepared.aliceFailed[1]]);
  });

  it("GET /jobs/failed shows dead-lettered jobs with their last error; /pending and /running by state", async () => {
    const failed = (await alice.get("/jobs/failed")).body.jobs;
    expect(ids(failed)).toEqual([...prepared.aliceFailed].reverse());
    expect(failed[0]).toMatchObject({
      type: "test_upstream",
      status: "failed",
      payload: { n: 2 },
      attempts: 1,
      max_attempts: 1,
      error: "upstream unavailable",
      result: null,
    });
    expect(failed[0].completed_at).toEqual(expect.any(String));
    expect(ids((await alice.get("/jobs/pending")).body.jobs)).toEqual([prepared.alicePending]);
    // The auto_link job of the memory stored in setup may still run on a loaded machine: wait for it to end, not for a time.
    await eventually(async () => {
      const links = (await alice.get("/jobs?type=auto_link")).body.jobs as { status: string }[];
      return links.every((j) => j.status === "completed" || j.status === "failed") ? true : undefined;
    });
    expect((await alice.get("/jobs/running")).body).toMatchObject({ jobs: [], count: 0 });
    expect(ids((await bob.get("/jobs/failed")).body.jobs)).toEqual([prepared.bobFailed]);
  });

  it("GET /jobs/stats counts the caller's jobs by status and type", async () => {
    const stats = (await alice.get("/jobs/stats")).body;
    expect(own(stats)).toEqual({
      test_unhandled: counts({ pending: 1 }),
      test_upstream: counts({ failed: 2 }),
      ttl_sweep: counts({ completed: 1 }),
    });
    const perType = Object.values(stats.by_type) as Record<string, number>[];
    for (const status of ["pending", "running", "completed", "failed"]) {
      expect(stats[status], status).toBe(perType.reduce((n, t) => n + t[status]!, 0));
    }
    expect(stats.total).toBe(stats.pending + stats.running + stats.completed + stats.failed);
    expect((await bob.get("/jobs/stats")).body.by_type.test_upstream).toEqual(counts({ failed: 1 }));
  });

  it("an admin key sees every tenant's jobs and may narrow to one; others may not ask for someone else's", async () => {
    const all = (await admin.get("/jobs/stats")).body;
    expect(all.by_type.test_upstream).toEqual(counts({ failed: 3 }));
    expect(all.by_type.jobs_cleanup).toBeDefined(); // system jobs (no user) are visible to admins
    expect((await admin.get(`/jobs/stats?user_id=${bobId}`)).body.by_type.test_upstream).toEqual(counts({ failed: 1 }));
    const bobs = (await admin.get(`/jobs?user_id=${bobId}`)).body.jobs;
    expect(ids(bobs)).toContain(prepared.bobFailed);
    expect(bobs.every((j: { user_id: number }) => j.user_id === bobId)).toBe(true);
    const denied = await alice.get(`/jobs?user_id=${bobId}`);
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatch(/^user_id: /);
    expect((await alice.get(`/jobs/stats?user_id=${aliceId}`)).status).toBe(200);
    expect((await alice.get(`/jobs/${prepared.bobFailed}`)).status).toBe(404);
  });
});

describe("retrying, purging and cleaning up", () => {
  it("refuses bad input with a 400 naming the field, and changes nothing", async () => {
    const before = own((await admin.get("/jobs/stats")).body);
    const cases: [Promise<{ status: number; body: { error: string } }>, number, RegExp][] = [
      [alice.get("/jobs?status=bogus"), 400, /^status: /],
      [alice.get("/jobs?limit=0"), 400, /^limit: /],
      [alice.get("/jobs/failed?offset=-1"), 400, /^offset: /],
      [alice.get("/jobs/abc"), 400, /^id: /],
      [alice.post("/jobs/abc/retry"), 400, /^id: /],
      [alice.post("/jobs/retry", { type: "" }), 400, /^type: /],
      [alice.post("/jobs/purge", { status: "running" }), 400, /^status: /],
      [alice.post("/jobs/purge", { before: "yesterday" }), 400, /^before: /],
      [alice.post("/jobs/cleanup", { older_than_days: -1 }), 400, /^older_than_days: /],
      [alice.post("/jobs/cleanup", "{not json"), 400, /^body: malformed JSON/],
      [alice.get("/jobs/999999"), 404, /^job not found$/],
      [alice.post(`/jobs/${prepared.alicePending}/retry`), 409, /only failed jobs can be retried/],
      [aliceReader.post(`/jobs/${prepared.aliceFailed[0]}/retry`), 403, /write scope/],
      [aliceReader.post("/jobs/purge"), 403, /write scope/],
    ];
    for (const [call, status, error] of cases) {
      const res = await call;
      expect(res.status, error.source).toBe(status);
      expect(res.body.error).toMatch(error);
    }
    expect(own((await admin.get("/jobs/stats")).body)).toEqual(before);
  });

  it("POST /jobs/:id/retry moves one failed job back to pending; another tenant's id is a 404", async () => {
    const theirs = await alice.post(`/jobs/${prepared.bobFailed}/retry`);
    expect(theirs.status).toBe(404);
    expect((await bob.get(`/jobs/${prepared.bobFailed}`)).body.status).toBe("failed");

    const res = await alice.post(`/jobs/${prepared.aliceFailed[0]}/retry`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ retried: true, id: prepared.aliceFailed[0] });
    // The server has no handler for test_upstream, so the job waits in pending.
    expect(res.body.job).toMatchObject({ status: "pending", attempts: 0, error: "upstream unavailable", completed_at: null });
  });

  it("POST /jobs/retry moves all the caller's failed jobs of a type back", async () => {
    expect((await alice.post("/jobs/retry", { type: "something_else" })).body).toEqual({ retried: 0, ids: [] });
    expect((await alice.post("/jobs/retry", { kind: "test_upstream" })).body).toEqual({ retried: 1, ids: [prepared.aliceFailed[1]] });
    expect((await alice.get("/jobs/failed?type=test_upstream")).body.jobs).toEqual([]);
    expect((await alice.get("/jobs/stats")).body.by_type.test_upstream).toEqual(counts({ pending: 2 }));
    expect((await bob.get("/jobs/stats")).body.by_type.test_upstream).toEqual(counts({ failed: 1 }));
  });

  it("POST /jobs/purge deletes the caller's failed jobs by default, or the status asked for", async () => {
    expect((await alice.post("/jobs/purge", { type: "test_upstream" })).body).toEqual({ purged: 0, status: "failed", before: null });
    const old = await alice.post("/jobs/purge", { status: "pending", older_than_days: 1 });
    expect(old.body).toMatchObject({ purged: 0, status: "pending" });
    expect((await alice.post("/jobs/purge", { status: "pending", type: "test_upstream" })).body).toMatchObject({ purged: 2 });
    expect((await alice.post("/jobs/purge", { status: "all", type: "test_unhandled" })).body).toMatchObject({ purged: 1 });
    expect(ids((await alice.get("/jobs/pending")).body.jobs)).not.toContain(prepared.alicePending);
    expect((await bob.post("/jobs/purge", {})).body).toMatchObject({ purged: 1 });
    expect((await bob.get("/jobs/stats")).body.by_type.test_upstream).toBeUndefined();
    expect((await alice.get("/jobs/stats")).body.by_type).toMatchObject({ ttl_sweep: counts({ completed: 1 }) });
  });

  it("POST /jobs/cleanup deletes completed jobs older than the cutoff (7 days by default)", async () => {
    const kept = await alice.post("/jobs/cleanup");
    expect(kept.status).toBe(200);
    expect(kept.body.cleaned).toBe(0);
    expect(Date.parse(kept.body.before)).toBeLessThan(Date.now() - 6 * 86_400_000);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await alice.post("/jobs/cleanup", { before: future, type: "ttl_sweep" })).body).toEqual({ cleaned: 1, before: future });
    expect(own((await alice.get("/jobs/stats")).body)).toEqual({ test_unhandled: undefined, test_upstream: undefined, ttl_sweep: undefined });
  });
});

describe("forget_after and POST /sweep", () => {
  it("rejects a past, malformed or doubled expiry at store time and stores nothing", async () => {
    const count = async () => (await alice.get("/list?include_forgotten=true")).body.results.length;
    const n = await count();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ forget_after: "2001-01-01T00:00:00Z" }, /^forget_after: must be in the future$/],
      [{ forget_after: "tomorrow" }, /^forget_after: /],
      [{ ttl_secs: 0 }, /^ttl_secs: /],
      [{ ttl_secs: "60" }, /^ttl_secs: /],
      [{ forget_after: "2999-01-01T00:00:00Z", ttl_secs: 60 }, /^forget_after: give forget_after or ttl_secs, not both$/],
    ];
    for (const [extra, error] of cases) {
      const res = await alice.post("/store", { content: "Never stored: bad expiry", ...extra });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(res.body.error).toMatch(error);
    }
    expect(await count()).toBe(n);
  });

  it("shows the expiry on the memory", async () => {
    const res = await alice.post("/store", { content: "Quarterly review room is 4B", forget_after: "2999-03-01T09:00:00+01:00" });
    expect(res.status).toBe(201);
    expect((await alice.get(`/memory/${res.body.id}`)).body.forget_after).toBe("2999-03-01T08:00:00.000Z");
  });

  it("forgets the caller's expired memories now, and only the caller's", async () => {
    const mine = (await alice.post("/store", { content: "Alice's hotel room is 1204", ttl_secs: 1 })).body.id;
    const theirs = (await bob.post("/store", { content: "Bob's hotel room is 877", ttl_secs: 1 })).body.id;
    const swept: number[] = [];
    await eventually(async () => {
      const res = await alice.post("/sweep");
      expect(res.status).toBe(200);
      expect(res.body.swept).toBe(res.body.ids.length);
      swept.push(...res.body.ids);
      return swept.includes(mine) ? true : undefined;
    });
    expect(swept).toEqual([mine]);
    expect((await alice.get(`/memory/${mine}`)).status).toBe(404);
    expect((await bob.get(`/memory/${theirs}`)).body.status).toBe("active");
    expect((await bob.post("/sweep")).body).toEqual({ swept: 1, forgotten: 1, ids: [theirs], pairs_found: 0, consolidated: 0 });
    expect((await aliceReader.post("/sweep")).status).toBe(403);
  });

  it("documents the job routes in /openapi.json", async () => {
    const paths = Object.keys((await api(server.url).get("/openapi.json")).body.paths);
    for (const p of ["/jobs", "/jobs/stats", "/jobs/pending", "/jobs/running", "/jobs/failed", "/jobs/{id}/retry", "/jobs/retry", "/jobs/purge", "/jobs/cleanup", "/sweep"]) {
      expect(paths).toContain(p);
    }
  });
});

describe("the scheduled sweep", () => {
  it("forgets expired memories on its own every ENGRAM_SWEEP_INTERVAL_SECS and stops cleanly", async () => {
    const s = await startServer({ ...NO_MODEL, ENGRAM_SWEEP_INTERVAL_SECS: "1" });
    try {
      const c = api(s.url, await bootstrap(s.url));
      const id = (await c.post("/store", { content: "Door code for tonight's event is 2468", ttl_secs: 1 })).body.id;
      await eventually(async () => ((await c.get(`/memory/${id}`)).status === 404 ? true : undefined));
      const sweeps = (await c.get("/jobs?type=ttl_sweep&status=completed")).body.jobs;
      expect(sweeps.some((j: { user_id: number | null; result: { swept: number } }) => j.user_id === null && j.result.swept === 1)).toBe(true);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });
});

describe("the cap on a tenant's pending jobs", () => {
  it("refuses a write that would queue past ENGRAM_JOB_MAX_PENDING_PER_TENANT with 429 and Retry-After, and changes nothing", async () => {
    const dataDir = tempDir();
    const setup = await startServer(NO_MODEL, dataDir);
    const a = api(setup.url, await bootstrap(setup.url));
    const carol = await newTenant(setup.url, a, "carol");
    const dave = await newTenant(setup.url, a, "dave");
    const carolMemory = (await api(setup.url, carol.key).post("/store", { content: "Carol's team standup is at 09:30" })).body.id as number;
    await eventually(async () => ((await api(setup.url, carol.key).get("/jobs/stats")).body.pending === 0 ? true : undefined));
    expect(await setup.stop()).toBe(0);

    // Carol's queue is full: three jobs of a type the server has no handler for stay pending.
    const engram = createEngram({ dbPath: setup.dbPath, dbSynchronous: "full", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2 });
    const backlog = [1, 2, 3].map((n) => engram.jobs.enqueue("test_unhandled", { n }, { userId: carol.id }));
    engram.close();

    const s = await startServer({ ...NO_MODEL, ENGRAM_JOB_MAX_PENDING_PER_TENANT: "3" }, dataDir);
    try {
      const c = api(s.url, carol.key);
      const before = (await c.get("/list")).body.results;
      const refused = await c.post("/store", { content: "Carol moved the standup to 10:00" });
      expect(refused.status).toBe(429);
      expect(refused.headers.get("retry-after")).toBe("30");
      expect(refused.body).toEqual({
        error:
          "3 background jobs of this user are already waiting to run (ENGRAM_JOB_MAX_PENDING_PER_TENANT); the write was refused and changed nothing: retry once they have run",
      });
      const update = await c.post(`/memory/${carolMemory}/update`, { content: "Carol's team standup is at 10:00" });
      expect(update.status).toBe(429);
      expect((await c.get("/list")).body.results).toEqual(before);
      expect((await c.get(`/versions/${carolMemory}`)).body.versions).toHaveLength(1);
      expect((await c.post("/search", { query: "standup 10:00" })).body.results.map((r: { id: number }) => r.id)).toEqual([carolMemory]);
      expect(ids((await c.get("/jobs/pending")).body.jobs).sort()).toEqual([...backlog].sort());

      // Other tenants are not held back by Carol's backlog.
      expect((await api(s.url, dave.key).post("/store", { content: "Dave's standup is at 11:00" })).status).toBe(201);
      // Once her backlog shrinks, Carol's writes go through again.
      expect((await c.post("/jobs/purge", { status: "pending", type: "test_unhandled" })).body).toMatchObject({ purged: 3 });
      expect((await c.post("/store", { content: "Carol moved the standup to 10:00" })).status).toBe(201);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });
});
