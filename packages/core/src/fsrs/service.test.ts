import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEngram, type Engram } from "../engram.js";
import { ManualClock } from "../util/clock.js";
import { storeInputSchema } from "../memory/schemas.js";
import { memoryRetention, memoryRetrievability } from "./memory-state.js";
import type { MemoryRow } from "../db/schema.js";

const DAY = 86_400_000;
const MINUTE = 60_000;
const w = [0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194] as const;
/** Power-law retrievability, written out: (1 + f·t/S)^(−w20), f = 0.9^(−1/w20) − 1. */
const R = (t: number, s: number) => (1 + ((0.9 ** (-1 / 0.1542) - 1) * t) / s) ** -0.1542;

let clock: ManualClock;
let engram: Engram;
let alice: number;
let bob: number;

beforeEach(() => {
  clock = new ManualClock(new Date("2025-03-01T12:00:00.000Z"));
  engram = createEngram(
    { dbPath: ":memory:", dbSynchronous: "normal", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2, fsrsImplicitWindowSecs: 600 },
    { clock },
  );
  alice = engram.auth.createUser("alice", undefined, "writer").id;
  bob = engram.auth.createUser("bob", undefined, "writer").id;
});
afterEach(() => engram.close());

const store = (userId: number, content: string): MemoryRow => {
  const r = engram.memories.store(userId, storeInputSchema.parse({ content }));
  if (r.kind !== "stored") throw new Error("unexpected duplicate");
  return r.memory;
};
const row = (userId: number, id: number) => engram.memories.find(userId, id)!;

describe("FSRS state of stored memories", () => {
  it("starts every memory with its first review, graded Good, in the store itself", () => {
    const m = store(alice, "The staging database runs Postgres 16");
    expect(m.fsrsStability).toBeCloseTo(w[2], 8);
    expect(m.fsrsDifficulty).toBeCloseTo(w[4] - Math.exp(2 * w[5]) + 1, 8);
    expect(m).toMatchObject({
      fsrsReps: 1,
      fsrsLapses: 0,
      fsrsStorageStrength: 1,
      fsrsRetrievalStrength: 1,
      fsrsLastReviewAt: clock.now().toISOString(),
    });
    expect(m.decayScore).toBeCloseTo(0.7 + 0.3 * (1 / 10), 10);
    expect(engram.fsrs.state(alice, m.id)).toMatchObject({ retrievability: 1, nextReviewDays: m.fsrsStability });
  });

  it("loses retrievability as the clock moves when it is never recalled", () => {
    const m = store(alice, "The office wifi password rotates every quarter");
    const s = m.fsrsStability!;
    const seen: number[] = [];
    for (const days of [0, 1, s, 10, 30, 365]) {
      clock.set(new Date(new Date(m.createdAt).getTime() + days * DAY));
      const v = engram.fsrs.state(alice, m.id);
      expect(v.retrievability).toBeCloseTo(R(days, s), 7);
      expect(v.retention).toBeCloseTo(0.7 * R(days, s) + 0.03, 7);
      expect(v.nextReviewDays).toBeCloseTo(Math.max(0, s - days), 6);
      seen.push(v.retrievability!);
    }
    expect(seen[2]).toBeCloseTo(0.9, 7);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeLessThan(seen[i - 1]!);
    // The stored decay_score is a snapshot: it moves on refresh, not by itself.
    expect(row(alice, m.id).decayScore).toBeCloseTo(0.73, 10);
    const [score] = engram.fsrs.scores(alice, 10);
    expect(score).toMatchObject({ id: m.id, stability: s, storageStrength: 1, lastReviewAt: m.createdAt });
    expect(score!.decayScore).toBeCloseTo(0.7 * R(365, s) + 0.03, 7);
    expect(engram.fsrs.refresh(alice)).toBe(1);
    expect(row(alice, m.id).decayScore).toBeCloseTo(0.7 * R(365, s) + 0.03, 7);
    expect(row(alice, m.id).fsrsRetrievalStrength).toBeCloseTo(R(365, s), 7);
  });

  it("gains stability from Good reviews at their due dates, and the next review moves out", () => {
    const m = store(alice, "Deploys need two approvals");
    let last = engram.fsrs.state(alice, m.id);
    for (let i = 0; i < 4; i++) {
      clock.advance(Math.ceil(last.nextReviewDays!) * DAY);
      const next = engram.fsrs.review(alice, m.id, 3);
      expect(next.row.fsrsStability!).toBeGreaterThan(last.row.fsrsStability!);
      expect(next.nextReviewDays!).toBeGreaterThan(last.nextReviewDays!);
      expect(next.row.fsrsStorageStrength).toBeCloseTo(1 + 0.1 * (i + 1), 10);
      expect(next).toMatchObject({ retrievability: 1, row: { fsrsReps: i + 2, fsrsLapses: 0, fsrsRetrievalStrength: 1 } });
      last = next;
    }
    expect(last.row.fsrsStability!).toBeGreaterThan(30);
  });

  it("uses each memory's own stability for retrievability", () => {
    const easy = store(alice, "Alice is on call this week");
    const plain = store(alice, "Bob prefers a dark theme");
    clock.advance(DAY);
    engram.fsrs.review(alice, easy.id, 4);
    clock.advance(5 * DAY);
    const now = clock.now();
    const rEasy = memoryRetrievability(row(alice, easy.id), now)!;
    const rPlain = memoryRetrievability(row(alice, plain.id), now)!;
    expect(rPlain).toBeCloseTo(R(6, w[2]), 7);
    expect(rEasy).toBeCloseTo(R(5, row(alice, easy.id).fsrsStability!), 7);
    expect(rEasy).toBeGreaterThan(rPlain);
    expect(memoryRetrievability({ fsrsStability: null, fsrsLastReviewAt: null, createdAt: easy.createdAt }, now)).toBeNull();
    expect(engram.fsrs.scores(alice, 10).map((s) => s.id)).toEqual([plain.id, easy.id]);
  });
});

describe("implicit reviews", () => {
  it("count once per window, for the user's active latest memories only", () => {
    const a = store(alice, "The backup runs at 02:00");
    const archived = store(alice, "The old VPN used OpenVPN");
    const old = store(alice, "The API limit is 100 per minute");
    const v2 = engram.memories.update(alice, old.id, { content: "The API limit is 200 per minute" });
    engram.memories.setStatus(alice, archived.id, "archived");
    const foreign = store(bob, "Bob's backup runs at 03:00");
    const before = { archived: row(alice, archived.id), old: row(alice, old.id), foreign: row(bob, foreign.id) };
    const ids = [a.id, archived.id, old.id, v2.id, foreign.id, a.id];

    // Storing was a review a moment ago: inside the window.
    expect(engram.fsrs.implicitReview(alice, ids)).toBe(0);
    clock.advance(11 * MINUTE);
    expect(engram.fsrs.implicitReview(alice, ids)).toBe(2);
    expect(row(alice, a.id)).toMatchObject({ fsrsReps: 2, fsrsStorageStrength: 1.1, fsrsLastReviewAt: clock.now().toISOString() });
    expect(row(alice, v2.id).fsrsReps).toBe(2);
    // A burst of searches: nothing more.
    for (let i = 0; i < 5; i++) {
      clock.advance(MINUTE);
      expect(engram.fsrs.implicitReview(alice, ids)).toBe(0);
    }
    expect(row(alice, a.id).fsrsReps).toBe(2);
    clock.advance(10 * MINUTE);
    expect(engram.fsrs.implicitReview(alice, [a.id])).toBe(1);
    expect(row(alice, a.id).fsrsReps).toBe(3);
    expect(row(alice, archived.id)).toEqual(before.archived);
    expect(row(alice, old.id)).toEqual(before.old);
    expect(row(bob, foreign.id)).toEqual(before.foreign);
  });

  it("queued by an answered read, commit together after the turn, at the time they were queued", async () => {
    const a = store(alice, "The backup runs at 02:00");
    const b = store(alice, "The restore drill is on Fridays");
    const foreign = store(bob, "Bob's backup runs at 03:00");
    clock.advance(11 * MINUTE);
    const queuedAt = clock.now().toISOString();
    engram.fsrs.queueImplicitReview(alice, [a.id, foreign.id]);
    engram.fsrs.queueImplicitReview(alice, [b.id, a.id]);
    // Nothing is written while the reads that queued them are still answering.
    expect(row(alice, a.id).fsrsReps).toBe(1);
    clock.advance(MINUTE);
    await new Promise((resolve) => setImmediate(resolve));
    expect(row(alice, a.id)).toMatchObject({ fsrsReps: 2, fsrsLastReviewAt: queuedAt });
    expect(row(alice, b.id)).toMatchObject({ fsrsReps: 2, fsrsLastReviewAt: queuedAt });
    expect(row(bob, foreign.id).fsrsReps).toBe(1);
  });

  it("queued are seen by the service's own reads and writes before they run", () => {
    const a = store(alice, "The backup runs at 02:00");
    clock.advance(11 * MINUTE);
    engram.fsrs.queueImplicitReview(alice, [a.id]);
    expect(engram.fsrs.state(alice, a.id).row.fsrsReps).toBe(2);
    expect(engram.fsrs.review(alice, a.id, 3).row.fsrsReps).toBe(3);
  });

  it("keep the search cache, while an explicit review invalidates it", async () => {
    const m = store(alice, "The nightly billing backup runs on replica three");
    const search = () => engram.search.search(alice, { query: "billing backup", limit: 5, channels: ["fts"] });
    expect((await search()).cached).toBe(false);
    expect((await search()).cached).toBe(true);
    clock.advance(DAY);
    expect(engram.fsrs.implicitReview(alice, [m.id])).toBe(1);
    expect((await search()).cached).toBe(true);
    engram.fsrs.review(alice, m.id, 3);
    expect((await search()).cached).toBe(false);
  });
});

describe("lapses", () => {
  it("archiving and forgetting are an Again review; unarchiving and forgetting twice are not", () => {
    const m = store(alice, "The build cache lives on S3");
    clock.advance(3 * DAY);
    const before = row(alice, m.id);
    engram.memories.setStatus(alice, m.id, "archived");
    const archived = row(alice, m.id);
    expect(archived).toMatchObject({ fsrsLapses: 1, fsrsReps: 2, fsrsRetrievalStrength: 1, fsrsLastReviewAt: clock.now().toISOString() });
    expect(archived.fsrsStability!).toBeLessThan(before.fsrsStability!);
    expect(archived.fsrsDifficulty!).toBeGreaterThan(before.fsrsDifficulty!);
    expect(archived.fsrsStorageStrength).toBeCloseTo(1.3, 10);

    clock.advance(DAY);
    engram.memories.setStatus(alice, m.id, "active");
    expect(row(alice, m.id)).toMatchObject({ fsrsLapses: 1, fsrsReps: 2, fsrsStability: archived.fsrsStability });
    engram.memories.setStatus(alice, m.id, "forgotten");
    expect(row(alice, m.id)).toMatchObject({ fsrsLapses: 2, fsrsReps: 3 });
    engram.memories.setStatus(alice, m.id, "forgotten");
    expect(row(alice, m.id)).toMatchObject({ fsrsLapses: 2, fsrsReps: 3 });
    // Gone for clients: no state, no explicit review.
    expect(() => engram.fsrs.state(alice, m.id)).toThrow(/not found/);
    expect(() => engram.fsrs.review(alice, m.id, 3)).toThrow(/not found/);
  });
});

describe("backfill and tenancy", () => {
  it("init gives memories without state the state they would have had since they were stored", () => {
    const m = store(alice, "The proxy listens on port 3128");
    const other = store(bob, "Bob's proxy listens on 8080");
    const wipe = engram.db.sqlite.prepare(
      `UPDATE memories SET fsrs_stability = NULL, fsrs_difficulty = NULL, fsrs_learning_state = NULL, fsrs_storage_strength = NULL,
       fsrs_retrieval_strength = NULL, fsrs_reps = 0, fsrs_lapses = 0, fsrs_last_review_at = NULL, decay_score = 1 WHERE id = ?`,
    );
    wipe.run(m.id);
    wipe.run(other.id);
    expect(engram.fsrs.state(alice, m.id)).toMatchObject({ retrievability: null, nextReviewDays: null, dueAt: null });
    clock.advance(10 * DAY);
    expect(engram.fsrs.init(alice)).toBe(1);
    expect(engram.fsrs.init(alice)).toBe(0);
    const r = row(alice, m.id);
    expect(r).toMatchObject({ fsrsStability: w[2], fsrsReps: 1, fsrsLastReviewAt: m.createdAt, fsrsStorageStrength: 1 });
    expect(r.decayScore).toBeCloseTo(0.7 * R(10, w[2]) + 0.03, 7);
    expect(memoryRetention(r, clock.now())).toBeCloseTo(r.decayScore, 10);
    expect(row(bob, other.id).fsrsStability).toBeNull();
  });

  it("never reviews or shows another tenant's memory", () => {
    const m = store(bob, "Bob's locker code is 1234");
    expect(() => engram.fsrs.review(alice, m.id, 3)).toThrow(/not found/);
    expect(() => engram.fsrs.state(alice, m.id)).toThrow(/not found/);
    expect(engram.fsrs.scores(alice, 10)).toEqual([]);
    expect(engram.fsrs.refresh(alice)).toBe(0);
    expect(row(bob, m.id).fsrsReps).toBe(1);
  });
});
