import type { MemoryRow } from "../db/index.js";
import {
  INITIAL_STORAGE_STRENGTH,
  GRADE_GOOD,
  daysBetween,
  intervalDays,
  nextStorageStrength,
  retention,
  retrievability,
  review,
  type FsrsCard,
  type Grade,
} from "./model.js";

/**
 * FSRS state as it lives in the `memories` row. The stored retrieval strength and
 * decay_score are snapshots taken at the last review (or /decay/refresh); the live values
 * are always recomputed from stability and the time of the last review.
 */
export type FsrsColumns = Pick<
  MemoryRow,
  | "fsrsStability"
  | "fsrsDifficulty"
  | "fsrsRetrievalStrength"
  | "fsrsStorageStrength"
  | "fsrsLearningState"
  | "fsrsReps"
  | "fsrsLapses"
  | "fsrsLastReviewAt"
  | "decayScore"
>;

type StateFields = Pick<MemoryRow, "fsrsStability" | "fsrsDifficulty" | "fsrsLearningState" | "fsrsReps" | "fsrsLapses" | "fsrsLastReviewAt" | "createdAt">;

function cardOf(row: StateFields): FsrsCard | null {
  if (row.fsrsStability == null || row.fsrsDifficulty == null || row.fsrsLearningState == null) return null;
  return {
    stability: row.fsrsStability,
    difficulty: row.fsrsDifficulty,
    state: row.fsrsLearningState,
    reps: row.fsrsReps,
    lapses: row.fsrsLapses,
    lastReview: new Date(row.fsrsLastReviewAt ?? row.createdAt),
  };
}

/** Columns after one review: FSRS update, storage strength up, retrieval strength back to 1. */
export function reviewedColumns(row: (StateFields & Pick<MemoryRow, "fsrsStorageStrength">) | null, grade: Grade, now: Date): FsrsColumns {
  const card = row ? cardOf(row) : null;
  const next = review(card, grade, now);
  const storage = card ? nextStorageStrength(row?.fsrsStorageStrength ?? INITIAL_STORAGE_STRENGTH, grade) : INITIAL_STORAGE_STRENGTH;
  return {
    fsrsStability: next.stability,
    fsrsDifficulty: next.difficulty,
    fsrsRetrievalStrength: 1,
    fsrsStorageStrength: storage,
    fsrsLearningState: next.state,
    fsrsReps: next.reps,
    fsrsLapses: next.lapses,
    fsrsLastReviewAt: next.lastReview.toISOString(),
    decayScore: retention(1, storage),
  };
}

/** The state a memory gets when it is stored: storing is its first review, graded Good. */
export const initialColumns = (now: Date): FsrsColumns => reviewedColumns(null, GRADE_GOOD, now);

/** FSRS-6 retrievability of a memory row at `now`, or null when it has no FSRS state. */
export function memoryRetrievability(
  row: Pick<MemoryRow, "fsrsStability" | "fsrsLastReviewAt" | "createdAt">,
  now: Date,
): number | null {
  if (row.fsrsStability == null) return null;
  return retrievability(daysBetween(new Date(row.fsrsLastReviewAt ?? row.createdAt), now), row.fsrsStability);
}

/**
 * Dual-strength retention at `now` (what decay_score holds): retrieval strength is the
 * power-law retrievability since the last access, storage strength never decays.
 * Null when the memory has no FSRS state.
 */
export function memoryRetention(
  row: Pick<MemoryRow, "fsrsStability" | "fsrsLastReviewAt" | "fsrsStorageStrength" | "createdAt">,
  now: Date,
): number | null {
  const r = memoryRetrievability(row, now);
  return r == null ? null : retention(r, row.fsrsStorageStrength ?? INITIAL_STORAGE_STRENGTH);
}

/** Days from `now` until retrievability falls to the target (0 when already due), or null without state. */
export function nextReviewDays(row: Pick<MemoryRow, "fsrsStability" | "fsrsLastReviewAt" | "createdAt">, now: Date): number | null {
  if (row.fsrsStability == null) return null;
  return Math.max(0, intervalDays(row.fsrsStability) - daysBetween(new Date(row.fsrsLastReviewAt ?? row.createdAt), now));
}
