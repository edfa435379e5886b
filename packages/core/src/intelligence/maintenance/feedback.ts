import { isoNow, type CoreContext } from "../../context.js";
import type { MemoryService } from "../../memory/index.js";
import type { FeedbackRating, FeedbackStats, MaintenanceStore } from "./store.js";

export const FEEDBACK_RATINGS = ["helpful", "irrelevant", "off-topic", "outdated"] as const satisfies readonly FeedbackRating[];

/** How a rating moves the memory's importance (contracts/intelligence.md §5.3). */
export const IMPORTANCE_DELTA: Record<FeedbackRating, number> = { helpful: 1, irrelevant: -1, "off-topic": -1, outdated: -2 };

const clampImportance = (n: number) => Math.min(10, Math.max(1, n));

/**
 * Retrieval feedback. A rating moves the memory's importance, which search multiplies into
 * every hit's score (search/factors.ts), so later searches rank a memory rated helpful higher
 * and one rated outdated lower. It is not an FSRS review: the memory's schedule is untouched.
 */
export class Feedback {
  constructor(
    private readonly ctx: CoreContext,
    private readonly memories: MemoryService,
    private readonly store: MaintenanceStore,
  ) {}

  rate(userId: number, memoryId: number, rating: FeedbackRating, context: string | null): { importance: number } {
    return this.ctx.db.sqlite.transaction(() => {
      const memory = this.memories.get(userId, memoryId);
      const importance = clampImportance(memory.importance + IMPORTANCE_DELTA[rating]);
      if (importance !== memory.importance) this.memories.annotate(userId, memoryId, { importance });
      this.store.recordFeedback({ userId, memoryId, rating, context, at: isoNow(this.ctx) });
      return { importance };
    })();
  }

  stats(userId: number): FeedbackStats {
    return this.store.feedbackStats(userId);
  }
}
