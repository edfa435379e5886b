/** The intelligence subsystem's public face: what Engram derives from what it stores. */
import type { CoreContext } from "../context.js";
import type { MemoryEvents } from "../events/index.js";
import type { JobQueue } from "../jobs/index.js";
import type { MemoryService } from "../memory/index.js";
import { CausalService } from "./causal/service.js";
import { GroundingService } from "./grounding/service.js";
import { GuardService } from "./guard.js";
import { IntelligenceTasks } from "./pipeline/tasks.js";
import { PostStoreSteps, registerPostStoreJob } from "./post-store.js";
import { ReconsolidationService } from "./reconsolidation/service.js";
import { TemporalService } from "./temporal/service.js";
import { ValenceService } from "./valence/service.js";

export { GuardService, type GuardVerdict, type GuardRule, type GuardSignal } from "./guard.js";
export { PostStoreSteps, type PostStoreStep } from "./post-store.js";
export { ValenceService, type MemoryValence, type ValenceProfile } from "./valence/service.js";
export { scoreValence, scoreSentiment, type ValenceScore, type Sentiment, type Emotion } from "./valence/lexicon.js";
export { CausalService, type CausalChain, type CausalAncestor } from "./causal/service.js";
export type { CausalLinkRow } from "./causal/store.js";
export { TemporalService, type PredictiveRecall, type SequencePattern } from "./temporal/service.js";
export type { TemporalPatternRow } from "./temporal/store.js";
export { ReconsolidationService, type Reconsolidation } from "./reconsolidation/service.js";
export { IntelligenceTasks, type IntelligenceTask, type PipelineReport, type TaskReport } from "./pipeline/tasks.js";
export {
  GroundingService,
  SESSION_BACKENDS,
  DEFAULT_TOOL_TIMEOUT_MS,
  MAX_TOOL_TIMEOUT_MS,
  MAX_SESSIONS_PER_USER,
  type GroundingSession,
  type SessionBackend,
  type ExecuteResult,
} from "./grounding/service.js";
export { DEGRADED_BELOW, type ToolQuality } from "./grounding/store.js";

export function createGuard(ctx: CoreContext): GuardService {
  return new GuardService(ctx);
}

/** The post-store steps with their job registered; each part of the group adds its step at assembly. */
export function createPostStore(jobs: JobQueue): PostStoreSteps {
  const steps = new PostStoreSteps();
  registerPostStoreJob(jobs, steps);
  return steps;
}

/** Valence, causal links, temporal patterns, reconsolidation and grounding over one tenant's memories. */
export interface SignalServices {
  valence: ValenceService;
  causal: CausalService;
  temporal: TemporalService;
  reconsolidation: ReconsolidationService;
  grounding: GroundingService;
}

export function createSignals(ctx: CoreContext, deps: { memories: MemoryService; events: MemoryEvents; groundingExec: boolean }): SignalServices {
  return {
    valence: new ValenceService(ctx, deps.memories),
    causal: new CausalService(ctx, deps.memories, deps.events),
    temporal: new TemporalService(ctx, deps.memories),
    reconsolidation: new ReconsolidationService(ctx, deps.events),
    grounding: new GroundingService(ctx, deps.groundingExec),
  };
}

/** The registry of POST /intelligence/run; each part of the group adds its task at assembly. */
export function createIntelligenceTasks(): IntelligenceTasks {
  return new IntelligenceTasks();
}
