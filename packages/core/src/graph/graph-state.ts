import { eq } from "drizzle-orm";
import { graphState } from "../db/schema.js";
import type { CoreContext } from "../context.js";

export type GraphStateRow = typeof graphState.$inferSelect;

export interface RefreshSummary {
  nodeCount: number;
  edgeCount: number;
  communityCount: number;
  modularity: number | null;
  durationMs: number;
}

/** Per-tenant bookkeeping of the graph: links added since the last refresh and what that refresh found. */
export class GraphState {
  constructor(private readonly ctx: CoreContext) {}

  get(userId: number): GraphStateRow | undefined {
    return this.ctx.db.orm.select().from(graphState).where(eq(graphState.userId, userId)).get();
  }

  /** Counts new links towards the next refresh; call in the transaction that wrote them. */
  addDirty(userId: number, edges: number): void {
    if (edges <= 0) return;
    this.ctx.db.sqlite
      .prepare(
        `INSERT INTO graph_state (user_id, dirty_edges) VALUES (?, ?)
         ON CONFLICT (user_id) DO UPDATE SET dirty_edges = dirty_edges + excluded.dirty_edges`,
      )
      .run(userId, edges);
  }

  /** Records a finished refresh; the `covered` links it saw leave the dirty count, any added since stay. */
  refreshed(userId: number, s: RefreshSummary, at: string, covered: number): void {
    this.ctx.db.sqlite
      .prepare(
        `INSERT INTO graph_state (user_id, dirty_edges, refreshed_at, node_count, edge_count, community_count, modularity, duration_ms)
         VALUES (?, 0, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET dirty_edges = max(0, dirty_edges - ?), refreshed_at = excluded.refreshed_at,
           node_count = excluded.node_count, edge_count = excluded.edge_count, community_count = excluded.community_count,
           modularity = excluded.modularity, duration_ms = excluded.duration_ms`,
      )
      .run(userId, at, s.nodeCount, s.edgeCount, s.communityCount, s.modularity, s.durationMs, covered);
  }

  /**
   * Tenants whose graph is due a refresh: past the dirty-edge threshold, or with any change
   * (new links, or a memory written since) once the interval has passed. A tenant that has
   * memories but was never refreshed is due as soon as it has a link.
   */
  due(now: Date, intervalMs: number, dirtyThreshold: number): number[] {
    const cutoff = new Date(now.getTime() - intervalMs).toISOString();
    const rows = this.ctx.db.sqlite
      .prepare(
        `SELECT s.user_id AS userId FROM graph_state s
          WHERE s.dirty_edges >= ?
             OR ((s.refreshed_at IS NULL OR s.refreshed_at <= ?)
                 AND (s.dirty_edges > 0
                      OR EXISTS (SELECT 1 FROM memories m WHERE m.user_id = s.user_id AND m.updated_at >= coalesce(s.refreshed_at, ''))))
          ORDER BY s.user_id`,
      )
      .all(dirtyThreshold, cutoff) as { userId: number }[];
    return rows.map((r) => r.userId);
  }
}
