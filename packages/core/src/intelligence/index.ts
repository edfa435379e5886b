/** The intelligence subsystem's public face: what Engram derives from what it stores. */
import type { CoreContext } from "../context.js";
import type { JobQueue } from "../jobs/index.js";
import type { EmbeddingService } from "../vector/index.js";
import type { LlmClient } from "../llm/index.js";
import { GuardService } from "./guard.js";
import { EmbeddingMeaning } from "./guard-meaning.js";
import { PostStoreSteps, registerPostStoreJob } from "./post-store.js";
import { InboxService } from "./inbox.js";
import { ApprovalService, GateService } from "./gate/index.js";
import type { MemoryService } from "../memory/index.js";
import { DEFAULT_GUARDRAILS_CONFIG, type GuardrailsConfig } from "./config.js";

export { EmbeddingMeaning, MEANING_FLOOR, MEANING_MAX_OBJECTS } from "./guard-meaning.js";
export { evaluate as evaluateGuard, isRule as isGuardRule } from "./guard.js";
export { GuardService, type GuardCheck, type GuardVerdict, type GuardRule, type GuardSignal } from "./guard.js";
export { PostStoreSteps, type PostStoreStep } from "./post-store.js";

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
