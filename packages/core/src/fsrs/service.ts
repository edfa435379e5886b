import { and, eq, inArray, isNotNull, isNull } from "drizzle-orm";
import { memories, type MemoryRow } from "../db/schema.js";
import { notFound } from "../errors.js";
import type { CoreContext } from "../context.js";
import { initialColumns, memoryRetention, memoryRetrievability, nextReviewDays, reviewedColumns } from "./memory-state.js";
import { GRADE_GOOD, INITIAL_STORAGE_STRENGTH, intervalDays, type Grade } from "./model.js";

export interface FsrsOptions {
  /** An implicit review is skipped when the memory was reviewed less than this long ago. */
  implicitWindowMs: number;
  /** Called after an explicit review: it changes what search's decay factor sees. */
  onWrite?: (userId: number) => void;
}

/** A memory's FSRS and dual-strength state, with the values that depend on `now` computed live. */
export interface FsrsView {
  row: MemoryRow;
  retrievability: number | null;
  retention: number | null;
  nextReviewDays: number | null;
  dueAt: string | null;
}

export interface DecayScore {
  id: number;
  decayScore: number;
  retrievability: number;
  stability: number;
  storageStrength: number;
  lastReviewAt: string;
}

const DAY_MS = 86_400_000;

/** The columns a decay scan needs; content and tags stay on disk. */
const decayColumns = {
  id: memories.id,
  fsrsStability: memories.fsrsStability,
  fsrsStorageStrength: memories.fsrsStorageStrength,
  fsrsLastReviewAt: memories.fsrsLastReviewAt,
  createdAt: memories.createdAt,
};

export class FsrsService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly opts: FsrsOptions,
  ) {}

  private get orm() {
    return this.ctx.db.orm;
  }

  private now(): Date {
    return this.ctx.clock.now();
  }

  private own(userId: number, id: number): MemoryRow {
    const row = this.orm
      .select()
      .from(memories)
      .where(and(eq(memories.id, id), eq(memories.userId, userId)))
      .get();
    // Forgotten memories are gone as far as clients can tell (as GET /memory/:id has it).
    if (!row || row.isForgotten) throw notFound("memory");
    return row;
  }

  private view(row: MemoryRow, now = this.now()): FsrsView {
    const lastReview = new Date(row.fsrsLastReviewAt ?? row.createdAt).getTime();
    return {
      row,
      retrievability: memoryRetrievability(row, now),
      retention: memoryRetention(row, now),
      nextReviewDays: nextReviewDays(row, now),
      dueAt: row.fsrsStability == null ? null : new Date(lastReview + intervalDays(row.fsrsStability) * DAY_MS).toISOString(),
    };
  }

  state(userId: number, id: number): FsrsView {
    return this.view(this.own(userId, id));
  }

  /** An explicit review (POST /fsrs/review). */
  review(userId: number, id: number, grade: Grade): FsrsView {
    const row = this.own(userId, id);
    const now = this.now();
    const updated = this.orm.update(memories).set(reviewedColumns(row, grade, now)).where(eq(memories.id, row.id)).returning().get();
    this.opts.onWrite?.(userId);
    return this.view(updated, now);
  }

  /**
   * The review a memory gets for being returned by recall or search: Good, at most once per
   * window, so a burst of searches counts once. Only active latest versions are reviewed:
   * archived and forgotten memories got their Again when they left, and an old version is
   * not the memory any more. Returns how many were reviewed.
   *
   * It does not invalidate the search cache: rankings are cached and rows read fresh, and
   * dropping the cache on every search that returns something would switch the cache off.
   */
  implicitReview(userId: number, ids: readonly number[]): number {
    if (ids.length === 0) return 0;
    const now = this.now();
    const cutoff = now.getTime() - this.opts.implicitWindowMs;
    return this.ctx.db.sqlite.transaction(() => {
      const rows = this.orm
        .select()
        .from(memories)
        .where(and(eq(memories.userId, userId), inArray(memories.id, [...new Set(ids)]), eq(memories.status, "active"), eq(memories.isLatest, true)))
        .all();
      let reviewed = 0;
      for (const row of rows) {
        const last = row.fsrsLastReviewAt ?? row.createdAt;
        if (row.fsrsStability != null && new Date(last).getTime() > cutoff) continue;
        this.orm.update(memories).set(reviewedColumns(row, GRADE_GOOD, now)).where(eq(memories.id, row.id)).run();
        reviewed++;
      }
      return reviewed;
    })();
  }

  /**
   * Gives every memory of the user that has no FSRS state (rows from before FSRS, or
   * imported) the state it would have had: a first review graded Good when it was stored.
   */
  init(userId: number): number {
    return this.ctx.db.sqlite.transaction(() => {
      const rows = this.orm
        .select({ id: memories.id, createdAt: memories.createdAt })
        .from(memories)
        .where(and(eq(memories.userId, userId), isNull(memories.fsrsStability)))
        .all();
      const now = this.now();
      for (const r of rows) {
        const cols = { ...initialColumns(new Date(r.createdAt)), createdAt: r.createdAt };
        cols.decayScore = memoryRetention(cols, now)!;
        cols.fsrsRetrievalStrength = memoryRetrievability(cols, now)!;
        const { createdAt: _unchanged, ...set } = cols;
        this.orm.update(memories).set(set).where(eq(memories.id, r.id)).run();
      }
      return rows.length;
    })();
  }

  /** Live decay scores of the user's current memories (latest, not forgotten), weakest first. */
  scores(userId: number, limit: number): DecayScore[] {
    const now = this.now();
    const rows = this.orm
      .select(decayColumns)
      .from(memories)
      .where(and(eq(memories.userId, userId), eq(memories.isLatest, true), eq(memories.isForgotten, false), isNotNull(memories.fsrsStability)))
      .all();
    return rows
      .map((r) => ({
        id: r.id,
        decayScore: memoryRetention(r, now)!,
        retrievability: memoryRetrievability(r, now)!,
        stability: r.fsrsStability!,
        storageStrength: r.fsrsStorageStrength ?? INITIAL_STORAGE_STRENGTH,
        lastReviewAt: r.fsrsLastReviewAt ?? r.createdAt,
      }))
      .sort((a, b) => a.decayScore - b.decayScore || a.id - b.id)
      .slice(0, limit);
  }

  /**
   * Stores the live retention as decay_score, and the live retrieval strength, for every
   * memory of the user that has FSRS state. Ranking inputs (stability, last review) do not
   * change, so the search cache stays valid.
   */
  refresh(userId: number): number {
    return this.ctx.db.sqlite.transaction(() => {
      const now = this.now();
      const rows = this.orm
        .select(decayColumns)
        .from(memories)
        .where(and(eq(memories.userId, userId), isNotNull(memories.fsrsStability)))
        .all();
      // One prepared statement: a tenant can have a hundred thousand rows.
      const write = this.ctx.db.sqlite.prepare("UPDATE memories SET decay_score = ?, fsrs_retrieval_strength = ? WHERE id = ?");
      for (const r of rows) write.run(memoryRetention(r, now), memoryRetrievability(r, now), r.id);
      return rows.length;
    })();
  }
}
