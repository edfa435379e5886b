import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { Db } from "../../db/connection.js";
import { memories, type MemoryRow } from "../../db/schema.js";
import type { FsrsColumns } from "../../fsrs/index.js";
import type { DecayRow, FsrsRows } from "../../fsrs/index.js";
import { liveMemorySql, presentMemorySql } from "./live.js";

/** The columns a decay scan needs; content and tags stay on disk. */
const decayColumns = {
  id: memories.id,
  fsrsStability: memories.fsrsStability,
  fsrsStorageStrength: memories.fsrsStorageStrength,
  fsrsLastReviewAt: memories.fsrsLastReviewAt,
  createdAt: memories.createdAt,
};

/**
 * The statements FSRS runs on the memories table (its state lives in the memory's row): what
 * fsrs/service.ts asks for through `FsrsRows`, owned here with the table's other statements.
 */
export class FsrsStateStore implements FsrsRows {
  private readonly stmts;

  constructor(private readonly db: Db) {
    const p = sql.placeholder;
    const hasState = isNotNull(memories.fsrsStability);
    // A placeholder as a value to set (drizzle takes SQL there, not a bare placeholder).
    const value = (name: keyof FsrsColumns) => sql`${p(name)}`;
    this.stmts = {
      find: db.orm
        .select()
        .from(memories)
        .where(and(eq(memories.id, p("id")), eq(memories.userId, p("userId"))))
        .prepare(),
      unscheduled: db.sqlite.prepare(`SELECT id, created_at AS createdAt FROM memories WHERE user_id = ? AND fsrs_stability IS NULL`),
      presentDecay: db.orm
        .select(decayColumns)
        .from(memories)
        .where(and(eq(memories.userId, p("userId")), sql.raw(presentMemorySql("memories")), hasState))
        .prepare(),
      allDecay: db.orm
        .select(decayColumns)
        .from(memories)
        .where(and(eq(memories.userId, p("userId")), hasState))
        .prepare(),
      write: db.orm
        .update(memories)
        .set({
          fsrsStability: value("fsrsStability"),
          fsrsDifficulty: value("fsrsDifficulty"),
          fsrsRetrievalStrength: value("fsrsRetrievalStrength"),
          fsrsStorageStrength: value("fsrsStorageStrength"),
          fsrsLearningState: value("fsrsLearningState"),
          fsrsReps: value("fsrsReps"),
          fsrsLapses: value("fsrsLapses"),
          fsrsLastReviewAt: value("fsrsLastReviewAt"),
          decayScore: value("decayScore"),
        } satisfies Record<keyof FsrsColumns, unknown>)
        .where(eq(memories.id, p("id")))
        .returning()
        .prepare(),
      // One prepared statement: a tenant can have a hundred thousand rows.
      snapshot: db.sqlite.prepare("UPDATE memories SET decay_score = ?, fsrs_retrieval_strength = ? WHERE id = ?"),
    };
  }

  find(userId: number, id: number): MemoryRow | undefined {
    return this.stmts.find.get({ id, userId });
  }

  write(id: number, cols: FsrsColumns): MemoryRow {
    return this.stmts.write.get({ ...cols, id })!;
  }

  live(userId: number, ids: readonly number[]): MemoryRow[] {
    return this.db.orm
      .select()
      .from(memories)
      .where(and(eq(memories.userId, userId), inArray(memories.id, [...ids]), sql.raw(liveMemorySql("memories"))))
      .all();
  }

  unscheduled(userId: number): { id: number; createdAt: string }[] {
    return this.stmts.unscheduled.all(userId) as { id: number; createdAt: string }[];
  }

  decayRows(userId: number, which: "present" | "all"): DecayRow[] {
    return (which === "present" ? this.stmts.presentDecay : this.stmts.allDecay).all({ userId });
  }

  writeSnapshot(id: number, decayScore: number | null, retrievalStrength: number | null): void {
    this.stmts.snapshot.run(decayScore, retrievalStrength, id);
  }
}
