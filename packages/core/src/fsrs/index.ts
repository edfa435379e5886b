/** The FSRS subsystem's public face: the model over plain values, a memory's state, and reviews. */
import type { CoreContext } from "../context.js";
import type { MemoryEvents } from "../events/index.js";
import { FsrsService, type FsrsRows } from "./service.js";

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

/** Reviews over the memory store's FSRS columns; an explicit review is announced as a ranking change. */
export function createFsrs(ctx: CoreContext, deps: { rows: FsrsRows; events: MemoryEvents; implicitWindowMs: number }): FsrsService {
  return new FsrsService(ctx, deps.rows, { implicitWindowMs: deps.implicitWindowMs }, deps.events);
}
