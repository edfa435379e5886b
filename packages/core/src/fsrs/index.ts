export {
  FSRS6_WEIGHTS,
  TARGET_RETENTION,
  STABILITY_MIN,
  STABILITY_MAX,
  DIFFICULTY_MIN,
  DIFFICULTY_MAX,
  INITIAL_STORAGE_STRENGTH,
  STORAGE_MAX,
  GRADE_AGAIN,
  GRADE_GOOD,
  retrievability,
  retention,
  intervalDays,
  nextStorageStrength,
  review,
  type Grade,
  type FsrsCard,
} from "./model.js";
export {
  memoryRetrievability,
  memoryRetention,
  nextReviewDays,
  initialColumns,
  reviewedColumns,
  type FsrsColumns,
} from "./memory-state.js";
export { FsrsService, type FsrsOptions, type FsrsView, type DecayScore, type FsrsRows, type DecayRow } from "./service.js";
