/** The intelligence subsystem's public face: what Engram derives from what it stores. */
import type { CoreContext } from "../context.js";
import type { MemoryEvents } from "../events/index.js";
import type { JobQueue } from "../jobs/index.js";
import type { EmbeddingService } from "../vector/index.js";
import type { LlmClient } from "../llm/index.js";
import { GuardService } from "./guard.js";
import { EmbeddingMeaning } from "./guard-meaning.js";
import { PostStoreSteps, registerPostStoreJob } from "./post-store.js";
import type { MemoryService } from "../memory/index.js";
import type { SearchService } from "../search/index.js";
import type { TextEmbedder } from "./derived/index.js";
import { FactService } from "./facts/index.js";
import { llmFactExtractor, llmSameValue } from "./facts/llm.js";
import { DecomposeService } from "./decompose/index.js";
import { llmDecomposer } from "./decompose/llm.js";
import { DeriveService } from "./derive/index.js";
import { llmDeriver } from "./derive/llm.js";
import { TimeTravel } from "./timetravel/index.js";
import { InboxService } from "./inbox.js";
import { ApprovalService, GateService } from "./gate/index.js";
import { DEFAULT_GUARDRAILS_CONFIG, type GuardrailsConfig } from "./config.js";
import { CausalService } from "./causal/service.js";
import { GroundingService } from "./grounding/service.js";
import { IntelligenceTasks } from "./pipeline/tasks.js";
import { ReconsolidationService } from "./reconsolidation/service.js";
import { TemporalService } from "./temporal/service.js";
import { ValenceService } from "./valence/service.js";

export { EmbeddingMeaning, MEANING_FLOOR, MEANING_MAX_OBJECTS } from "./guard-meaning.js";
export { evaluate as evaluateGuard, isRule as isGuardRule } from "./guard.js";
export { GuardService, type GuardCheck, type GuardVerdict, type GuardRule, type GuardSignal } from "./guard.js";
export { PostStoreSteps, type PostStoreStep } from "./post-store.js";
export * from "./facts/index.js";
export * from "./decompose/index.js";
export * from "./derive/index.js";
export { TimeTravel, type PastMemory } from "./timetravel/index.js";
export { storeDerived, type TextEmbedder, type DerivedInput } from "./derived/index.js";
export * from "./maintenance/index.js";
export * from "./reflections/index.js";
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
export * from "./conversations/index.js";
export * from "./episodes/index.js";
export * from "./add/index.js";
export * from "./personality/index.js";
export * from "./ingest/index.js";

/** The guard, matching by meaning through the embedding service's worker pool when a model is configured. */
export function createGuard(ctx: CoreContext, deps: { embedding: EmbeddingService; llm: LlmClient }): GuardService {
  const { embedding } = deps;
  const meaning = embedding.embedder ? new EmbeddingMeaning((texts) => embedding.embed(texts), () => embedding.embedder?.id ?? null) : null;
  return new GuardService(ctx, meaning, deps.llm);
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
  deps: {
    memories: MemoryService;
    search: SearchService;
    embedder: TextEmbedder;
    jobs: JobQueue;
    events: MemoryEvents;
    postStore: PostStoreSteps;
    llm: LlmClient;
    autoDecompose: boolean;
  },
): FactsSubsystem {
  // Without an endpoint the LLM paths are not even tried: every answer says "rules".
  const llm = deps.llm.configured ? deps.llm : null;
  const facts = new FactService(ctx, deps.memories, { extract: llm && llmFactExtractor(llm), sameValue: llm && llmSameValue(llm) });
  facts.follow(deps.events);
  const decompose = new DecomposeService(ctx, deps.memories, deps.embedder, deps.jobs, llm && llmDecomposer(llm));
  const derive = new DeriveService(ctx, { memories: deps.memories, facts, search: deps.search, embedder: deps.embedder, llm: llm && llmDeriver(llm) });
  deps.postStore.add("facts", async (userId, memoryId) => {
    // A memory deleted (or forgotten) before its job ran has nothing left to extract.
    const memory = deps.memories.find(userId, memoryId);
    if (!memory || memory.isForgotten) return null;
    const r = await facts.extract(userId, memoryId, { background: true });
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

export { loadGuardCases, decideCase, scoreSignal, type GuardCase, type SignalScore } from "./guard-cases.js";
export { InboxService, type BulkAction, type BulkResult } from "./inbox.js";
export { DEFAULT_GUARDRAILS_CONFIG, type GuardrailsConfig } from "./config.js";

export function createInbox(memories: MemoryService, config: GuardrailsConfig = DEFAULT_GUARDRAILS_CONFIG): InboxService {
  return new InboxService(memories, config);
}
export { GateService, ApprovalService, secondsRemaining, type GateCheckInput, type GateDecision, type Decision } from "./gate/index.js";

/** The gate over the guard's rules, and the approvals it (and POST /approvals) creates. */
export function createGate(ctx: CoreContext, guard: GuardService, config: GuardrailsConfig = DEFAULT_GUARDRAILS_CONFIG): { gate: GateService; approvals: ApprovalService } {
  const approvals = new ApprovalService(ctx);
  return { gate: new GateService(ctx, guard, approvals, config), approvals };
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
