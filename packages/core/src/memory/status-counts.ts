import type { CoreContext } from "../context.js";

export type StatusCounts = { active: number; archived: number; forgotten: number };

/**
 * Latest memory versions by status over all tenants, for the metrics gauges. Counting scans
 * the whole table, so a count is reused for `maxAgeMs` (30 s: twice a typical 15 s scrape
 * interval) however often it is asked for.
 */
export class MemoryStatusCounts {
  private readonly query;
  private cached: { at: number; counts: StatusCounts } | null = null;

  constructor(
    private readonly ctx: CoreContext,
    private readonly maxAgeMs = 30_000,
  ) {
    this.query = ctx.db.sqlite.prepare("SELECT status, count(*) AS n FROM memories WHERE is_latest = 1 GROUP BY status");
  }

  current(): StatusCounts {
    const now = this.ctx.clock.now().getTime();
    if (this.cached && now - this.cached.at < this.maxAgeMs) return this.cached.counts;
    const rows = this.query.all() as { status: string; n: number }[];
    const n = (status: string) => rows.find((r) => r.status === status)?.n ?? 0;
    const counts = { active: n("active"), archived: n("archived"), forgotten: n("forgotten") };
    this.cached = { at: now, counts };
    return counts;
  }
}
