/** The memory subsystem's public face: memories, their versions and lifecycle, and the stores other subsystems read them through. */
import type { CoreContext } from "../context.js";
import type { MemoryEvents } from "../events/index.js";
import type { JobQueue } from "../jobs/index.js";
import { TtlSweeper } from "./expiry-sweep.js";
import { registerMemoryJobs } from "./jobs.js";
import { MemoryService, type MemoryVectors } from "./memories.js";

export { MemoryService, POST_STORE_JOB, type PendingEdit, type StoreResult, type MemoryStatus, type MemoryVectors, type DerivedColumns, type StorePlacement } from "./memories.js";
export { TtlSweeper, TTL_FORGET_REASON } from "./expiry-sweep.js";
export { MemoryStatusCounts, type StatusCounts } from "./status-counts.js";
export {
  storeInputSchema,
  updateInputSchema,
  contentSchema,
  tagsSchema,
  importanceSchema,
  normalizeTags,
  typeError,
  MAX_CONTENT_BYTES,
  type StoreInput,
  type UpdateInput,
  type ListFilters,
} from "./schemas.js";
export { simhash, hammingDistance, simhashTokens } from "./simhash.js";
export { latestMemorySql, liveMemorySql, presentMemorySql, type LatestVersions } from "./store/live.js";
export { LinkStore, linkStore, type NewLink, type LinkStep, type LinkTuple } from "./store/links.js";
export { MemoryLookups, type MemoryHead } from "./store/lookups.js";
export { MemorySelections, isoWeekStartSql, type WeeklyWrites } from "./store/selections.js";
export { MemoryStore, type NewMemoryRow } from "./store/memories.js";
export { MemoryGraphColumns } from "./store/graph-columns.js";
export { RuleCandidateStore, type RuleCandidate } from "./store/rule-candidates.js";
export { FsrsStateStore } from "./store/fsrs-state.js";
export { SpaceContentsStore } from "./store/space-contents.js";

export interface MemorySubsystem {
  memories: MemoryService;
  /** Forgets memories past their forget_after (the ttl_sweep job; POST /sweep runs it now). */
  ttl: TtlSweeper;
}

/** Memories, and their expiry sweep registered on the queue (every `sweepIntervalMs`; 0: never). */
export function createMemory(
  ctx: CoreContext,
  deps: { vectors: MemoryVectors; jobs: JobQueue; events: MemoryEvents; sweepIntervalMs: number; postStoreJobs?: boolean },
): MemorySubsystem {
  const memories = new MemoryService(ctx, deps.vectors, deps.jobs, deps.events, deps.postStoreJobs ?? true);
  const ttl = new TtlSweeper(ctx, memories);
  registerMemoryJobs(deps.jobs, ttl, deps.sweepIntervalMs);
  return { memories, ttl };
}
