/** Correction and maintenance (contracts/intelligence.md §5.3): nothing here deletes a memory. */
import type { CoreContext } from "../../context.js";
import type { MemoryService, TtlSweeper } from "../../memory/index.js";
import type { LlmClient } from "../../llm/index.js";
import type { EmbeddingService } from "../../vector/index.js";
import { Consolidations } from "./consolidation.js";
import { Corrections } from "./correction.js";
import { Duplicates } from "./duplicates.js";
import { Feedback } from "./feedback.js";
import { MaintenanceStore, type MemoryHealth } from "./store.js";

export { Consolidations, MIN_SOURCES, MAX_SOURCES, type Consolidated, type SweepResult } from "./consolidation.js";
export { Corrections, DEFAULT_CORRECTION_REASON, type CorrectionInput } from "./correction.js";
export { Duplicates, MAX_PAIRS, type DeduplicateResult } from "./duplicates.js";
export { Feedback, FEEDBACK_RATINGS, IMPORTANCE_DELTA } from "./feedback.js";
export type { SimilarPair, FeedbackRating, FeedbackStats, MemoryHealth, ConsolidationRecord } from "./store.js";

export interface Maintenance {
  corrections: Corrections;
  duplicates: Duplicates;
  consolidations: Consolidations;
  feedback: Feedback;
  /** GET /memory-health: counts over the user's memories. */
  health(userId: number): MemoryHealth;
}

export function createMaintenance(
  ctx: CoreContext,
  deps: { memories: MemoryService; embedding: EmbeddingService; ttl: TtlSweeper; llm: LlmClient },
): Maintenance {
  const store = new MaintenanceStore(ctx.db);
  const duplicates = new Duplicates(ctx, deps.memories, store);
  return {
    corrections: new Corrections(ctx, deps.memories, deps.embedding, store),
    duplicates,
    consolidations: new Consolidations(ctx, deps.memories, deps.embedding, store, duplicates, deps.ttl, deps.llm),
    feedback: new Feedback(ctx, deps.memories, store),
    health: (userId) => {
      const h = store.health(userId);
      const embedded = h.total_memories - h.without_embeddings;
      return {
        ...h,
        avg_importance: Math.round(h.avg_importance * 100) / 100,
        embedding_coverage_pct: h.total_memories === 0 ? 0 : Math.round((embedded / h.total_memories) * 1000) / 10,
      };
    },
  };
}
