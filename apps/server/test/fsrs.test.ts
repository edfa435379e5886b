import { openDb } from "@engram/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type RunningServer } from "../../../test/support/server.js";
import { keyFor, newTenant, twoTenants } from "../../../test/support/tenants.js";

let server: RunningServer;
let admin: ReturnType<typeof api>;
let alice: ReturnType<typeof api>;
let bob: ReturnType<typeof api>;
let aliceReader: ReturnType<typeof api>;

const DAY = 86_400_000;
const S_GOOD = 2.3065; // w2: the initial stability of a first review graded Good

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
  const t = await twoTenants(server.url);
  admin = t.admin;
  alice = t.alice.api;
  bob = t.bob.api;
  aliceReader = (await keyFor(server.url, admin, t.alice.id, "read")).api;
});
afterAll(() => server.stop());

const store = async (c: ReturnType<typeof api>, content: string): Promise<number> => {
  const res = await c.post("/store", { content });
  expect(res.status).toBe(201);
  return res.body.id;
};
const state = async (c: ReturnType<typeof api>, id: number) => (await c.get(`/fsrs/state?id=${id}`)).body;

/**
 * The server's clock cannot be moved from outside, so the passing of days is simulated by
 * moving the memory's last review back in the database file, as if it had happened then.
 */
function reviewedDaysAgo(id: number, days: number): void {
  const db = openDb({ path: server.dbPath });
  try {
    db.sqlite.prepare("UPDATE memories SET fsrs_last_review_at = ? WHERE id = ?").run(new Date(Date.now() - days * DAY).toISOString(), id);
  } finally {
    db.close();
  }
}

describe("FSRS state", () => {
  it("is set when a memory is stored, with retrievability 1 and the next review at R = 0.9", async () => {
    const id = await store(alice, "The staging database runs Postgres 16");
    const s = await state(alice, id);
    expect(s).toMatchObject({
      id,
      fsrs_stability: S_GOOD,
      fsrs_storage_strength: 1,
      fsrs_retrieval_strength: 1,
      fsrs_learning_state: 2,
      fsrs_reps: 1,
      fsrs_lapses: 0,
      decay_score: 0.73,
    });
    expect(s.retrievability).toBeCloseTo(1, 4);
    expect(s.next_review_days).toBeCloseTo(S_GOOD, 3);
    expect(new Date(s.due_at).getTime() - new Date(s.fsrs_last_review_at).getTime()).toBeCloseTo(S_GOOD * DAY, -3);
    expect((await alice.get(`/memory/${id}`)).body).toMatchObject({ fsrs_stability: S_GOOD, fsrs_reps: 1, decay_score: 0.73 });
  });

  it("loses retrievability with the days since the last review", async () => {
    const id = await store(alice, "The office wifi password rotates every quarter");
    reviewedDaysAgo(id, 30);
    const s = await state(alice, id);
    expect(s.retrievability).toBeLessThan(0.9);
    expect(s.retrievability).toBeCloseTo((1 + ((0.9 ** (-1 / 0.1542) - 1) * 30) / S_GOOD) ** -0.1542, 3);
    expect(s.next_review_days).toBe(0);
    expect(s.retention).toBeCloseTo(0.7 * s.retrievability + 0.03, 5);
  });
});

describe("POST /fsrs/review", () => {
  it("raises stability with Good reviews, each a few days after the last, and moves the next review out", async () => {
    const id = await store(alice, "Deploys to production need two approvals");
    let last = await state(alice, id);
    for (let i = 1; i <= 3; i++) {
      reviewedDaysAgo(id, Math.ceil(last.next_review_days || last.fsrs_stability));
      const res = await alice.post("/fsrs/review", { id, grade: 3 });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, grade: 3, fsrs: { reps: 1 + i, lapses: 0, retrieval_strength: 1, learning_state: 2 } });
      expect(res.body.fsrs.storage_strength).toBeCloseTo(1 + 0.1 * i, 10);
      expect(res.body.fsrs.stability).toBeGreaterThan(last.fsrs_stability);
      expect(res.body.next_review_days).toBeGreaterThan(last.next_review_days);
      const now = await state(alice, id);
      expect(now.fsrs_stability).toBe(res.body.fsrs.stability);
      last = now;
    }
    expect(last.next_review_days).toBeGreaterThan(20);
  });

  it("takes memory_id and grades 1-4, Good by default; a Good the same day adds no stability (FSRS-6)", async () => {
    const id = await store(alice, "Bob prefers vim keybindings");
    const good = await alice.post("/fsrs/review", { memory_id: id });
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ id, grade: 3, fsrs: { stability: S_GOOD, reps: 2 } });
    expect(Object.keys(good.body.fsrs).sort()).toEqual(
      ["difficulty", "lapses", "last_review_at", "learning_state", "reps", "retrieval_strength", "stability", "storage_strength"].sort(),
    );
    const easy = await alice.post("/fsrs/review", { id, memory_id: id, grade: 4 });
    expect(easy.body.fsrs.stability).toBeGreaterThan(S_GOOD);
    expect(easy.body.fsrs.difficulty).toBeLessThan(good.body.fsrs.difficulty);
    const again = await alice.post("/fsrs/review", { id, grade: 1 });
    expect(again.body.fsrs).toMatchObject({ lapses: 1, reps: 4 });
    expect(again.body.fsrs.stability).toBeLessThan(easy.body.fsrs.stability);
    expect(again.body.fsrs.storage_strength).toBeCloseTo(1.1 + 0.1 + 0.3, 10);
  });

  it("refuses bad input with 400 and changes nothing", async () => {
    const id = await store(alice, "The Redis cache evicts with allkeys-lru");
    const cases: [unknown, RegExp][] = [
      [{ id, grade: 0 }, /^grade: /],
      [{ id, grade: 5 }, /^grade: /],
      [{ id, grade: 2.5 }, /^grade: must be an integer/],
      [{ id, grade: "3" }, /^grade: /],
      [{ grade: 3 }, /^id: is required/],
      [{ id: -1 }, /^id: /],
      [{ id: "x" }, /^id: /],
      [{ id, memory_id: id + 1 }, /^id: must equal memory_id/],
    ];
    for (const [body, error] of cases) {
      const res = await alice.post("/fsrs/review", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatch(error);
    }
    expect((await alice.get("/fsrs/state")).status).toBe(400);
    expect((await alice.get("/fsrs/state?id=abc")).body.error).toMatch(/^id: /);
    expect(await state(alice, id)).toMatchObject({ fsrs_reps: 1, fsrs_stability: S_GOOD });
  });

  it("answers 404 for a missing memory and another tenant's, which stays untouched", async () => {
    const id = await store(alice, "Alice's locker code is 4711");
    expect((await bob.post("/fsrs/review", { id, grade: 1 })).status).toBe(404);
    expect((await bob.get(`/fsrs/state?id=${id}`)).status).toBe(404);
    expect((await alice.post("/fsrs/review", { id: 999_999 })).status).toBe(404);
    expect(await state(alice, id)).toMatchObject({ fsrs_reps: 1, fsrs_lapses: 0 });
  });

  it("needs the write scope; state needs read", async () => {
    const id = await store(alice, "The VPN uses WireGuard");
    expect((await aliceReader.post("/fsrs/review", { id })).status).toBe(403);
    expect((await aliceReader.get(`/fsrs/state?id=${id}`)).status).toBe(200);
    expect((await aliceReader.post("/decay/refresh")).status).toBe(403);
    expect((await aliceReader.post("/fsrs/init")).status).toBe(403);
  });
});

describe("implicit reviews", () => {
  it("give search and recall results a Good review, at most once per window", async () => {
    const a = await store(alice, "The nightly backup of the billing database runs at 02:00");
    const b = await store(alice, "The billing service sends invoices on the first of the month");
    // Fresh from the store: inside the window, nothing changes.
    await alice.post("/search", { query: "billing database backup" });
    expect(await state(alice, a)).toMatchObject({ fsrs_reps: 1 });

    reviewedDaysAgo(a, 3);
    reviewedDaysAgo(b, 3);
    const found = await alice.post("/search", { query: "billing database backup" });
    expect(found.body.results.map((r: { id: number }) => r.id)).toEqual(expect.arrayContaining([a, b]));
    const after = await state(alice, a);
    expect(after).toMatchObject({ fsrs_reps: 2 });
    expect(after.retrievability).toBeCloseTo(1, 4);
    expect(after.fsrs_stability).toBeGreaterThan(S_GOOD);
    expect(Date.now() - new Date(after.fsrs_last_review_at).getTime()).toBeLessThan(DAY);

    // A burst of searches and recalls: the window holds.
    for (let i = 0; i < 3; i++) {
      await alice.post("/search", { query: "billing database backup" });
      await alice.post("/recall", { query: "billing backup" });
    }
    expect(await state(alice, a)).toMatchObject({ fsrs_reps: 2, fsrs_stability: after.fsrs_stability });
    expect(await state(alice, b)).toMatchObject({ fsrs_reps: 2 });

    reviewedDaysAgo(a, 1);
    const recalled = await alice.post("/recall", { context: "when does the billing backup run" });
    expect(recalled.body.memories.map((m: { id: number }) => m.id)).toContain(a);
    expect(await state(alice, a)).toMatchObject({ fsrs_reps: 3 });
  });

  it("give the blocks of /context and /context/stream a Good review", async () => {
    const id = await store(alice, "The marimba rehearsal room is booked on Thursdays");
    reviewedDaysAgo(id, 3);
    const ctx = await alice.post("/context", { query: "marimba rehearsal room" });
    expect(ctx.body.blocks.map((b: { id: number }) => b.id)).toContain(id);
    expect(await state(alice, id)).toMatchObject({ fsrs_reps: 2 });

    reviewedDaysAgo(id, 3);
    const stream = await alice.raw("POST", "/context/stream", { query: "marimba rehearsal room" });
    expect(stream.status).toBe(200);
    expect(stream.body).toContain(`"id":${id}`);
    expect(await state(alice, id)).toMatchObject({ fsrs_reps: 3 });
  });

  it("do not touch what a search did not return, nor what search/explain returns", async () => {
    const id = await store(alice, "The Kafka cluster keeps seven days of retention");
    reviewedDaysAgo(id, 3);
    await alice.post("/search", { query: "postgres approvals vim" });
    await alice.post("/search/explain", { query: "kafka retention" });
    expect(await state(alice, id)).toMatchObject({ fsrs_reps: 1 });
  });
});

describe("forget and archive", () => {
  it("grade the memory Again", async () => {
    const forgotten = await store(alice, "The old build server was called jenkins-2");
    const archived = await store(alice, "The old VPN used OpenVPN on port 1194");
    reviewedDaysAgo(forgotten, 3);
    reviewedDaysAgo(archived, 3);
    expect((await alice.post(`/memory/${forgotten}/forget`, { reason: "obsolete" })).status).toBe(200);
    expect((await alice.post(`/memory/${archived}/archive`)).status).toBe(200);

    const gone = (await alice.get("/list?include_forgotten=true&limit=1000")).body.results.find((m: { id: number }) => m.id === forgotten);
    expect(gone).toMatchObject({ status: "forgotten", fsrs_lapses: 1, fsrs_reps: 2, fsrs_retrieval_strength: 1 });
    expect(gone.fsrs_stability).toBeLessThan(S_GOOD);
    expect(gone.fsrs_storage_strength).toBeCloseTo(1.3, 10);
    // A forgotten memory is gone for the FSRS routes too.
    expect((await alice.get(`/fsrs/state?id=${forgotten}`)).status).toBe(404);

    const shelved = await state(alice, archived);
    expect(shelved).toMatchObject({ fsrs_lapses: 1, fsrs_reps: 2 });
    expect(shelved.fsrs_stability).toBeLessThan(S_GOOD);
    await alice.post(`/memory/${archived}/unarchive`);
    expect(await state(alice, archived)).toMatchObject({ fsrs_lapses: 1, fsrs_reps: 2 });
  });
});

describe("decay scores", () => {
  let carol: ReturnType<typeof api>;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    carol = (await newTenant(server.url, admin, "carol")).api;
    for (const name of ["fresh", "week", "year"]) ids[name] = await store(carol, `Carol's ${name} note about the quarterly report`);
    reviewedDaysAgo(ids.week!, 7);
    reviewedDaysAgo(ids.year!, 365);
  });

  it("lists live retention, weakest first, with a limit", async () => {
    const res = await carol.get("/decay/scores");
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(3);
    expect(res.body.scores.map((s: { id: number }) => s.id)).toEqual([ids.year, ids.week, ids.fresh]);
    const [year, week, fresh] = res.body.scores;
    expect(fresh).toMatchObject({ id: ids.fresh, stability: S_GOOD, storage_strength: 1 });
    expect(fresh.retrievability).toBeCloseTo(1, 4);
    expect(fresh.decay_score).toBeCloseTo(0.73, 4);
    expect(year.decay_score).toBeCloseTo(0.7 * year.retrievability + 0.03, 5);
    expect(year.retrievability).toBeLessThan(week.retrievability);
    expect((await carol.get("/decay/scores?limit=1")).body.scores.map((s: { id: number }) => s.id)).toEqual([ids.year]);
    for (const bad of ["0", "1001", "x"]) {
      const r = await carol.get(`/decay/scores?limit=${bad}`);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(/^limit: /);
    }
    // Another tenant's memories are not in the list.
    expect((await bob.get("/decay/scores")).body.scores.map((s: { id: number }) => s.id)).not.toContain(ids.fresh);
  });

  it("refresh stores the live retention as decay_score", async () => {
    expect((await carol.get(`/memory/${ids.year}`)).body.decay_score).toBe(0.73);
    const res = await carol.post("/decay/refresh");
    expect(res.body).toEqual({ refreshed: 3 });
    const live = (await carol.get("/decay/scores")).body.scores[0];
    const stored = (await carol.get(`/memory/${ids.year}`)).body;
    expect(stored.decay_score).toBeCloseTo(live.decay_score, 5);
    expect(stored.fsrs_retrieval_strength).toBeCloseTo(live.retrievability, 5);
  });

  it("init backfills memories that have no state", async () => {
    const db = openDb({ path: server.dbPath });
    try {
      db.sqlite
        .prepare("UPDATE memories SET fsrs_stability = NULL, fsrs_difficulty = NULL, fsrs_learning_state = NULL, fsrs_last_review_at = NULL WHERE id = ?")
        .run(ids.fresh);
    } finally {
      db.close();
    }
    expect(await state(carol, ids.fresh!)).toMatchObject({ retrievability: null, next_review_days: null });
    expect((await carol.post("/fsrs/init")).body).toEqual({ initialized: 1 });
    expect((await carol.post("/fsrs/init")).body).toEqual({ initialized: 0 });
    expect(await state(carol, ids.fresh!)).toMatchObject({ fsrs_stability: S_GOOD, fsrs_learning_state: 2 });
  });
});
