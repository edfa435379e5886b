import { createEmptyCard, fsrs, forgetting_curve, type Card, type State } from "ts-fsrs";

/**
 * FSRS-6 with the reference's weights, plus the dual-strength model (Bjork & Bjork).
 * ts-fsrs does the FSRS math; this module fixes its configuration, the clamps the
 * reference applies on top, and the storage/retrieval strengths ts-fsrs knows nothing of.
 */

/** w0..w20 of the reference (the published FSRS-6 defaults). */
export const FSRS6_WEIGHTS: readonly number[] = Object.freeze([
  0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796, 1.4835, 0.0614, 0.2629, 1.6483,
  0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
]);

/** Retrievability at which the next review is due. */
export const TARGET_RETENTION = 0.9;
export const STABILITY_MIN = 0.1;
export const STABILITY_MAX = 36_500;
export const DIFFICULTY_MIN = 1;
export const DIFFICULTY_MAX = 10;

/** Storage strength of a memory when it is stored; it only ever grows, up to STORAGE_MAX. */
export const INITIAL_STORAGE_STRENGTH = 1;
export const STORAGE_MAX = 10;
const STORAGE_GAIN_RECALL = 0.1;
/** A lapse that is relearned strengthens storage more than an easy recall (desirable difficulty). */
const STORAGE_GAIN_LAPSE = 0.3;

/** 1 Again, 2 Hard, 3 Good, 4 Easy. */
export type Grade = 1 | 2 | 3 | 4;
export const GRADE_AGAIN: Grade = 1;
export const GRADE_GOOD: Grade = 3;

const DAY_MS = 86_400_000;

// Learning steps are minutes-scale flashcard drills; a memory server has no drill session, so
// FSRS schedules every grade itself. Short-term stability stays on: it is FSRS-6's rule for
// several reviews on the same day (w17..w19). No fuzz: schedules are reproducible.
const scheduler = fsrs({
  w: [...FSRS6_WEIGHTS],
  request_retention: TARGET_RETENTION,
  maximum_interval: STABILITY_MAX,
  enable_fuzz: false,
  enable_short_term: true,
  learning_steps: [],
  relearning_steps: [],
});

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** R(t) = (1 + f·t/S)^(−w20), f = 0.9^(−1/w20) − 1: the probability of recall t days after a review. */
export function retrievability(elapsedDays: number, stability: number): number {
  return forgetting_curve(FSRS6_WEIGHTS, Math.max(0, elapsedDays), clamp(stability, STABILITY_MIN, STABILITY_MAX));
}

/** Days after a review at which R falls to TARGET_RETENTION (equal to S by FSRS's definition of stability). */
export function intervalDays(stability: number): number {
  return clamp(stability, STABILITY_MIN, STABILITY_MAX) * scheduler.interval_modifier;
}

export const daysBetween = (from: Date, to: Date) => Math.max(0, (to.getTime() - from.getTime()) / DAY_MS);

/** Dual-strength retention: 0.7·retrieval + 0.3·storage/10. */
export function retention(retrievalStrength: number, storageStrength: number): number {
  return 0.7 * retrievalStrength + (0.3 * Math.min(storageStrength, STORAGE_MAX)) / STORAGE_MAX;
}

export function nextStorageStrength(storage: number, grade: Grade): number {
  return Math.min(STORAGE_MAX, storage + (grade === GRADE_AGAIN ? STORAGE_GAIN_LAPSE : STORAGE_GAIN_RECALL));
}

/** The FSRS part of a memory's state (ts-fsrs's card, minus what is derived from it). */
export interface FsrsCard {
  stability: number;
  difficulty: number;
  state: State;
  reps: number;
  lapses: number;
  lastReview: Date;
}

/**
 * One review graded `grade` at `now`; `card` null means the first one. ts-fsrs counts elapsed
 * time in whole calendar days (UTC), so reviews on the same day use the short-term formula.
 */
export function review(card: FsrsCard | null, grade: Grade, now: Date): FsrsCard {
  const input: Card = card
    ? {
        ...createEmptyCard(card.lastReview),
        stability: card.stability,
        difficulty: card.difficulty,
        state: card.state,
        reps: card.reps,
        lapses: card.lapses,
        last_review: card.lastReview,
      }
    : createEmptyCard(now);
  // A clock that stepped back must not make the elapsed time negative (ts-fsrs refuses that).
  const at = card && now < card.lastReview ? card.lastReview : now;
  const next = scheduler.next(input, at, grade).card;
  return {
    stability: clamp(next.stability, STABILITY_MIN, STABILITY_MAX),
    difficulty: clamp(next.difficulty, DIFFICULTY_MIN, DIFFICULTY_MAX),
    state: next.state,
    reps: next.reps,
    lapses: next.lapses,
    lastReview: at,
  };
}
