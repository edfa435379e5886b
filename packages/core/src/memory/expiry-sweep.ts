import type { CoreContext } from "../context.js";
import type { MemoryService } from "./memories.js";

export const TTL_FORGET_REASON = "ttl expired";
const BATCH = 500;

/**
 * Forgets memories whose `forget_after` has passed. Each goes through MemoryService.setStatus,
 * the same path as POST /memory/:id/forget, so the search cache and FSRS state follow.
 */
export class TtlSweeper {
  constructor(
    private readonly ctx: CoreContext,
    private readonly memories: MemoryService,
  ) {}

  /** One tenant's expired memories, or every tenant's when userId is null; batches yield to other work between them. */
  async sweep(userId: number | null): Promise<{ swept: number; ids: number[] }> {
    const ids: number[] = [];
    for (;;) {
      const batch = this.sweepBatch(userId);
      ids.push(...batch);
      if (batch.length < BATCH) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { swept: ids.length, ids };
  }

  private sweepBatch(userId: number | null): number[] {
    const due = this.memories.expired(userId, BATCH);
    this.ctx.db.sqlite.transaction(() => {
      for (const m of due) this.memories.setStatus(m.userId, m.id, "forgotten", TTL_FORGET_REASON);
    })();
    return due.map((m) => m.id);
  }
}
