import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/connection.js";
import type { graphState } from "../../db/schema.js";

export type GraphStateRow = typeof graphState.$inferSelect;

export interface RefreshSummary {
  nodeCount: number;
  edgeCount: number;
  communityCount: number;
  modularity: number | null;
  durationMs: number;
}

/** Per-tenant bookkeeping of the graph (graph_state): links added since the last refresh and what that refresh found. */
export class GraphState {
  private readonly getOne: Statement;
  private readonly addDirtyOf: Statement;
  private readonly refreshedOf: Statement;
  private readonly dueOf: Statement;

  constructor(db: Db) {
    const sqlite = db.sqlite;
    this.getOne = sqlite.prepare(
      `SELECT user_id AS userId, dirty_edges AS dirtyEdges, refreshed_at AS refreshedAt, node_count AS nodeCount, edge_count AS edgeCount,
              community_count AS communityCount, modularity, duration_ms AS durationMs
         FROM graph_state WHERE user_id = ?`,
    );
    this.addDirtyOf = sqlite.prepare(
      `INSERT INTO graph_state (user_id, dirty_edges) VALUES (?, ?)
       ON CONFLICT (user_id) DO UPDATE SET dirty_edges = dirty_edges + excluded.dirty_edges`,
    );
    this.refreshedOf = sqlite.prepare(
      `INSERT INTO graph_state (user_id, dirty_edges, refreshed_at, node_count, edge_count, community_count, modularity, duration_ms)
       VALUES (?, 0, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET dirty_edges = max(0, dirty_edges - ?), refreshed_at = excluded.refreshed_at,
         node_count = excluded.node_count, edge_count = excluded.edge_count, community_count = excluded.community_count,
         modularity = excluded.modularity, duration_ms = excluded.duration_ms`,
    );
    // Reads memories too: "a memory written since" is one EXISTS per tenant, not a second pass.
    this.dueOf = sqlite.prepare(
      `SELECT s.user_id FROM graph_state s
        WHERE s.dirty_edges >= ?
           OR ((s.refreshed_at IS NULL OR s.refreshed_at <= ?)
               AND (s.dirty_edges > 0
                    OR EXISTS (SELECT 1 FROM memories m WHERE m.user_id = s.user_id AND m.updated_at >= coalesce(s.refreshed_at, ''))))
        ORDER BY s.user_id`,
    ).pluck();
  }

  get(userId: number): GraphStateRow | undefined {
    return this.getOne.get(userId) as GraphStateRow | undefined;
  }

  /** Counts new links towards the next refresh; call in the transaction that wrote them. */
  addDirty(userId: number, edges: number): void {
    if (edges <= 0) return;
    this.addDirtyOf.run(userId, edges);
  }

  /** Records a finished refresh; the `covered` links it saw leave the dirty count, any added since stay. */
  refreshed(userId: number, s: RefreshSummary, at: string, covered: number): void {
    this.refreshedOf.run(userId, at, s.nodeCount, s.edgeCount, s.communityCount, s.modularity, s.durationMs, covered);
  }

  /**
   * Tenants whose graph is due a refresh: past the dirty-edge threshold, or with any change
   * (new links, or a memory written since) once the interval has passed. A tenant that has
   * memories but was never refreshed is due as soon as it has a link.
   */
  due(now: Date, intervalMs: number, dirtyThreshold: number): number[] {
    const cutoff = new Date(now.getTime() - intervalMs).toISOString();
    return this.dueOf.all(dirtyThreshold, cutoff) as number[];
  }
}
