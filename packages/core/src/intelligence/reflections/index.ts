/** Reflections and growth observations (contracts/intelligence.md §5.4). */
import type { CoreContext } from "../../context.js";
import type { LlmClient } from "../../llm/index.js";
import type { MemoryService } from "../../memory/index.js";
import type { EmbeddingService } from "../../vector/index.js";
import { Growth } from "../growth/service.js";
import { Reflections } from "./service.js";
import { ReflectionStore } from "./store.js";

export { Reflections, type ReflectionInput, type MethodReflection, type Method } from "./service.js";
export { Growth, type GrowthInput, type GrowthOutcome } from "../growth/service.js";
export { scrubSecrets } from "../growth/scrub.js";
export { CANDIDATE_ACTIONS, MAX_PERIOD_MEMORIES, type CandidateAction } from "./store.js";
export type { Period } from "./rules.js";

export function createReflections(
  ctx: CoreContext,
  deps: { memories: MemoryService; embedding: EmbeddingService; llm: LlmClient },
): { reflections: Reflections; growth: Growth } {
  const store = new ReflectionStore(ctx.db);
  return {
    reflections: new Reflections(ctx, deps.memories, store, deps.llm),
    growth: new Growth(ctx, deps.memories, deps.embedding, store, deps.llm),
  };
}
