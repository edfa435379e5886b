/** The intelligence subsystem's public face: what Engram derives from what it stores. */
import type { CoreContext } from "../context.js";
import type { JobQueue } from "../jobs/index.js";
import { GuardService } from "./guard.js";
import { PostStoreSteps, registerPostStoreJob } from "./post-store.js";
import type { MemoryEvents } from "../events/index.js";
import type { MemoryService } from "../memory/index.js";
import type { SearchService } from "../search/index.js";
import type { TextEmbedder } from "./derived-memories.js";
import { FactService } from "./facts/index.js";
import { DecomposeService } from "./decompose/index.js";
import { DeriveService } from "./derive/index.js";
import { TimeTravel } from "./timetravel/index.js";

export { GuardService, type GuardVerdict, type GuardRule, type GuardSignal } from "./guard.js";
export { PostStoreSteps, type PostStoreStep } from "./post-store.js";
export * from "./facts/index.js";
export * from "./decompose/index.js";
export * from "./derive/index.js";
export { TimeTravel, type PastMemory } from "./timetravel/index.js";
export { storeDerived, type TextEmbedder, type DerivedInput } from "./derived-memories.js";

export function createGuard(ctx: CoreContext): GuardService {
  return new GuardService(ctx);
}

/** The post-store steps with their job registered; each part of the group adds its step at assembly. */
export function createPostStore(jobs: JobQueue): PostStoreSteps {
  const steps = new PostStoreSteps();
  registerPostStoreJob(jobs, steps);
  return steps;
}

/** Facts, contradictions, decomposition, derivation and time travel (contracts/intelligence.md §4, §5.2). */
export interface FactsSubsystem {
  facts: FactService;
  decompose: DecomposeService;
  derive: DeriveService;
  timetravel: TimeTravel;
}

/**
 * The facts part of the group, its post-store steps added: `facts` (extraction, windows,
 * contradiction links) for every approved memory, `decompose` when `autoDecompose` is on.
 * Forgetting a memory closes its facts in the forget's transaction.
 */
export function createFacts(
  ctx: CoreContext,
  deps: { memories: MemoryService; search: SearchService; embedder: TextEmbedder; jobs: JobQueue; events: MemoryEvents; postStore: PostStoreSteps; autoDecompose: boolean },
): FactsSubsystem {
  const facts = new FactService(ctx, deps.memories);
  facts.follow(deps.events);
  const decompose = new DecomposeService(ctx, deps.memories, deps.embedder, deps.jobs);
  const derive = new DeriveService(ctx, { memories: deps.memories, facts, search: deps.search, embedder: deps.embedder, llm: null });
  deps.postStore.add("facts", async (userId, memoryId) => {
    const r = await facts.extract(userId, memoryId);
    return { facts: r.facts, state_updates: r.stateUpdates, contradictions: r.contradictions, method: r.method };
  });
  if (deps.autoDecompose) {
    deps.postStore.add("decompose", async (userId, memoryId) => {
      const r = await decompose.auto(userId, memoryId);
      return r && { children: r.childIds.length, tier: r.tier };
    });
  }
  return { facts, decompose, derive, timetravel: new TimeTravel(ctx, facts) };
}
