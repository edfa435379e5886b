import { AsyncResource } from "node:async_hooks";
import type { MemoryEvents } from "../events/index.js";
import type { MemoryRow } from "../db/index.js";
import { notFound } from "../errors.js";
import type { CoreContext } from "../context.js";
import { initialColumns, memoryRetention, memoryRetrievability, nextReviewDays, reviewedColumns, type FsrsColumns } from "./memory-state.js";
import { GRADE_GOOD, INITIAL_STORAGE_STRENGTH, intervalDays, type Grade } from "./model.js";

export interface FsrsOptions {
  /** An implicit review is skipped when the memory was reviewed less than this long ago. */
  implicitWindowMs: number;
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

/** What a decay scan reads of a memory. */
export type DecayRow = Pick<MemoryRow, "id" | "fsrsStability" | "fsrsStorageStrength" | "fsrsLastReviewAt" | "createdAt">;

/**
 * FSRS state lives in the memory's row, so the memory subsystem owns these statements
 * (memory/store/fsrs-state.ts); the service sees them through this interface.
 */
export interface FsrsRows {
  /** The user's memory by id, any status. */
  find(userId: number, id: number): MemoryRow | undefined;
  /** Writes the FSRS columns and returns the row as it now is. */
  write(id: number, cols: FsrsColumns): MemoryRow;
  /** The user's live memories among `ids`. */
  live(userId: number, ids: readonly number[]): MemoryRow[];
  /** The user's memories that have no FSRS state yet. */
  unscheduled(userId: number): { id: number; createdAt: string }[];
  /** The user's memories with FSRS state: the present ones, or every row. */
  decayRows(userId: number, which: "present" | "all"): DecayRow[];
  /** Stores a decay score and retrieval strength computed now. */
  writeSnapshot(id: number, decayScore: number | null, retrievalStrength: number | null): void;
}

const DAY_MS = 86_400_000;

export class FsrsService {
  /** Implicit reviews queued by answered reads, per user: memory id → when it was handed out. */
  private queued = new Map<number, Map<number, Date>>();
  private flushScheduled = false;
  /**
   * Bound to the (request-free) context the service was built in: a flush never runs as part of
   * whichever request queued first, so it is never audited as that request's mutation.
   */
  private readonly flushDetached = AsyncResource.bind(() => this.flushQueued());

  constructor(
    private readonly ctx: CoreContext,
    private readonly rows: FsrsRows,
    private readonly opts: FsrsOptions,
    /** An explicit review changes what search's decay factor sees: it is announced as a ranking change. */
    private readonly events: MemoryEvents,
  ) {}

  private now(): Date {
    return this.ctx.clock.now();
  }

  private own(userId: number, id: number): MemoryRow {
    const row = this.rows.find(userId, id);
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
    this.flushDetached();
    return this.view(this.own(userId, id));
  }

  /** An explicit review (POST /fsrs/review). */
  review(userId: number, id: number, grade: Grade): FsrsView {
    this.flushDetached();
    const row = this.own(userId, id);
    const now = this.now();
    const updated = this.rows.write(row.id, reviewedColumns(row, grade, now));
    this.events.emitChanged({ userId, changes: [{ kind: "ranking" }] });
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
    return this.ctx.db.sqlite.transaction(() => this.reviewGood(userId, ids, now))();
  }

  /**
   * The implicit review of what a read handed out, written after the answer: the reviews of every
   * read answered in the same turn of the event loop commit together, once that turn's responses
   * are on their way, so a search does not wait on its own bookkeeping. Each keeps the time it was
   * queued. A crash in between loses only these reviews, which no client was ever promised.
   */
  queueImplicitReview(userId: number, ids: readonly number[]): void {
    if (ids.length === 0) return;
    const now = this.now();
    let forUser = this.queued.get(userId);
    if (!forUser) this.queued.set(userId, (forUser = new Map()));
    for (const id of ids) if (!forUser.has(id)) forUser.set(id, now);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushDetached);
  }

  /** Writes the queued implicit reviews now: the service's reads and writes see them first, and close does. */
  flush(): void {
    this.flushDetached();
  }

  private flushQueued(): void {
    this.flushScheduled = false;
    if (this.queued.size === 0) return;
    const queued = this.queued;
    this.queued = new Map();
    this.ctx.db.sqlite.transaction(() => {
      for (const [userId, ids] of queued) {
        // One pass per distinct queue time (the same turn gives them all one): reviews keep their moment.
        const byTime = new Map<number, number[]>();
        for (const [id, at] of ids) byTime.set(at.getTime(), [...(byTime.get(at.getTime()) ?? []), id]);
        for (const [at, group] of byTime) this.reviewGood(userId, group, new Date(at));
      }
    })();
  }

  /** Good for each live memory among `ids` not reviewed within the window; the caller holds the transaction. */
  private reviewGood(userId: number, ids: readonly number[], now: Date): number {
    const cutoff = now.getTime() - this.opts.implicitWindowMs;
    let reviewed = 0;
    for (const row of this.rows.live(userId, [...new Set(ids)])) {
      const last = row.fsrsLastReviewAt ?? row.createdAt;
      if (row.fsrsStability != null && new Date(last).getTime() > cutoff) continue;
      this.rows.write(row.id, reviewedColumns(row, GRADE_GOOD, now));
      reviewed++;
    }
    return reviewed;
  }

  /**
   * Gives every memory of the user that has no FSRS state (rows from before FSRS, or
   * imported) the state it would have had: a first review graded Good when it was stored.
   */
  init(userId: number): number {
    return this.ctx.db.sqlite.transaction(() => {
      const rows = this.rows.unscheduled(userId);
      const now = this.now();
      for (const r of rows) {
        const cols = { ...initialColumns(new Date(r.createdAt)), createdAt: r.createdAt };
        cols.decayScore = memoryRetention(cols, now)!;
        cols.fsrsRetrievalStrength = memoryRetrievability(cols, now)!;
        const { createdAt: _unchanged, ...set } = cols;
        this.rows.write(r.id, set);
      }
      return rows.length;
    })();
  }

  /** Live decay scores of the user's current memories (latest, not forgotten), weakest first. */
  scores(userId: number, limit: number): DecayScore[] {
    this.flushDetached();
    const now = this.now();
    const rows = this.rows.decayRows(userId, "present");
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
    this.flushDetached();
    return this.ctx.db.sqlite.transaction(() => {
      const now = this.now();
      const rows = this.rows.decayRows(userId, "all");
      for (const r of rows) this.rows.writeSnapshot(r.id, memoryRetention(r, now), memoryRetrievability(r, now));
      return rows.length;
    })();
  }
}
