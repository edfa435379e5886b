import type { CoreContext } from "../context.js";
import { countLatestByStatus, type StatusCounts } from "./store/status-counts.js";

export type { StatusCounts };

/**
 * Latest memory versions by status over all tenants, for the metrics gauges. Counting scans
 * the whole table, so a count is reused for `maxAgeMs` (30 s: twice a typical 15 s scrape
 * interval) however often it is asked for.
 */
export class MemoryStatusCounts {
  private readonly count: () => StatusCounts;
  private cached: { at: number; counts: StatusCounts } | null = null;

  constructor(
    private readonly ctx: CoreContext,
    private readonly maxAgeMs = 30_000,
  ) {
    this.count = countLatestByStatus(ctx.db);
  }

  current(): StatusCounts {
    const now = this.ctx.clock.now().getTime();
    if (this.cached && now - this.cached.at < this.maxAgeMs) return this.cached.counts;
    const counts = this.count();
    this.cached = { at: now, counts };
    return counts;
  }
}
