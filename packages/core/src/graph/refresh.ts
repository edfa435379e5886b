import { isoNow, type CoreContext } from "../context.js";
import { queryTerms } from "../search/fts-query.js";
import { buildGraph, detectCommunities, rankNodes, type EdgeInput, type MemoryGraph } from "./algorithms.js";
import type { EntityService } from "./entities.js";
import type { GraphState } from "./graph-state.js";

export interface PagerankResult {
  success: true;
  user_id: number;
  nodes: number;
  edges: number;
  memories_updated: number;
  duration_ms: number;
}

export interface CommunitiesResult {
  success: true;
  user_id: number;
  nodes: number;
  edges: number;
  communities: number;
  modularity: number;
  memories_assigned: number;
  duration_ms: number;
}

export interface RefreshResult {
  user_id: number;
  nodes: number;
  edges: number;
  communities: number;
  modularity: number;
  memories_updated: number;
  timings_ms: { load: number; pagerank: number; louvain: number; persist: number; total: number };
}

const LIVE = "is_latest = 1 AND is_forgotten = 0 AND is_archived = 0";
/** Members whose words name a community: its most central ones. */
const LABEL_MEMBERS = 10;
const LABEL_TERMS = 3;

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * Runs PageRank and Louvain over a tenant's graph (its latest, live memories and their
 * links) and stores the results on the memories: pagerank_score, scaled so the tenant's
 * top memory is 1, and community_id, a graph_communities row for every community of two
 * or more (a memory alone has none). Superseded, forgotten and archived memories score 0.
 */
export class GraphRefresher {
  constructor(
    private readonly ctx: CoreContext,
    private readonly state: GraphState,
    private readonly entities: EntityService,
  ) {}

  /** The graph, and how many links it was built from (a similarity link is two arcs). */
  private load(userId: number): { graph: MemoryGraph; links: number } {
    const sqlite = this.ctx.db.sqlite;
    const nodes = (sqlite.prepare(`SELECT id FROM memories WHERE user_id = ? AND ${LIVE} ORDER BY id`).raw().all(userId) as [number][]).map(
      (r) => r[0],
    );
    const edges = sqlite
      .prepare("SELECT source_id AS source, target_id AS target, type, similarity FROM memory_links WHERE user_id = ?")
      .all(userId) as EdgeInput[];
    return buildGraph(nodes, edges);
  }

  pagerank(userId: number): PagerankResult {
    const t0 = performance.now();
    const { graph, links } = this.load(userId);
    const ranks = rankNodes(graph);
    this.ctx.db.sqlite.transaction(() => this.writeRanks(userId, ranks))();
    return { success: true, user_id: userId, nodes: graph.order, edges: links, memories_updated: ranks.size, duration_ms: round(performance.now() - t0) };
  }

  communities(userId: number): CommunitiesResult {
    const t0 = performance.now();
    const { graph, links } = this.load(userId);
    const partition = detectCommunities(graph, userId);
    const { count, assigned } = this.ctx.db.sqlite.transaction(() => this.writeCommunities(userId, partition.membership, null))();
    return {
      success: true,
      user_id: userId,
      nodes: graph.order,
      edges: links,
      communities: count,
      modularity: partition.modularity,
      memories_assigned: assigned,
      duration_ms: round(performance.now() - t0),
    };
  }

  /** Both algorithms, the entity counts, and the tenant's graph state (dirty count back to zero). */
  refresh(userId: number): RefreshResult {
    const t0 = performance.now();
    const { graph, links } = this.load(userId);
    const t1 = performance.now();
    const ranks = rankNodes(graph);
    const t2 = performance.now();
    const partition = detectCommunities(graph, userId);
    const t3 = performance.now();
    const { count } = this.ctx.db.sqlite.transaction(() => {
      this.writeRanks(userId, ranks);
      const written = this.writeCommunities(userId, partition.membership, ranks);
      this.entities.rebuildCounts(userId);
      this.state.refreshed(
        userId,
        { nodeCount: graph.order, edgeCount: links, communityCount: written.count, modularity: partition.modularity, durationMs: round(performance.now() - t0) },
        isoNow(this.ctx),
      );
      return written;
    })();
    const t4 = performance.now();
    return {
      user_id: userId,
      nodes: graph.order,
      edges: links,
      communities: count,
      modularity: partition.modularity,
      memories_updated: ranks.size,
      timings_ms: { load: round(t1 - t0), pagerank: round(t2 - t1), louvain: round(t3 - t2), persist: round(t4 - t3), total: round(t4 - t0) },
    };
  }

  private writeRanks(userId: number, ranks: Map<number, number>): void {
    const sqlite = this.ctx.db.sqlite;
    sqlite.prepare(`UPDATE memories SET pagerank_score = 0 WHERE user_id = ? AND pagerank_score != 0 AND NOT (${LIVE})`).run(userId);
    const set = sqlite.prepare("UPDATE memories SET pagerank_score = ? WHERE id = ? AND user_id = ?");
    for (const [id, score] of ranks) set.run(Math.round(score * 1e6) / 1e6, id, userId);
  }

  /** Replaces the tenant's communities; `ranks` (when fresh) picks the members that label each one. */
  private writeCommunities(userId: number, membership: Map<number, number>, ranks: Map<number, number> | null) {
    const sqlite = this.ctx.db.sqlite;
    sqlite.prepare("DELETE FROM graph_communities WHERE user_id = ?").run(userId);
    sqlite.prepare("UPDATE memories SET community_id = NULL WHERE user_id = ? AND community_id IS NOT NULL").run(userId);
    const groups = new Map<number, number[]>();
    for (const [id, c] of membership) {
      const g = groups.get(c);
      if (g) g.push(id);
      else groups.set(c, [id]);
    }
    const rankOf = ranks ? (id: number) => ranks.get(id) ?? 0 : this.storedRanks(userId);
    // Biggest first, so community ids of a refresh read in order of size.
    const communities = [...groups.values()].filter((g) => g.length >= 2).sort((a, b) => b.length - a.length || a[0]! - b[0]!);
    const now = isoNow(this.ctx);
    const insert = sqlite.prepare("INSERT INTO graph_communities (user_id, label, size, created_at) VALUES (?, ?, ?, ?) RETURNING id");
    const assign = sqlite.prepare("UPDATE memories SET community_id = ? WHERE id = ? AND user_id = ?");
    let assigned = 0;
    for (const members of communities) {
      members.sort((a, b) => rankOf(b) - rankOf(a) || a - b);
      const { id } = insert.get(userId, this.label(userId, members.slice(0, LABEL_MEMBERS)), members.length, now) as { id: number };
      for (const m of members) assigned += assign.run(id, m, userId).changes;
    }
    return { count: communities.length, assigned };
  }

  private storedRanks(userId: number): (id: number) => number {
    const rows = this.ctx.db.sqlite.prepare(`SELECT id, pagerank_score FROM memories WHERE user_id = ? AND ${LIVE}`).raw().all(userId) as [number, number][];
    const map = new Map(rows);
    return (id) => map.get(id) ?? 0;
  }

  /** The words most of a community's central members share, e.g. "kubernetes, cluster, upgrade". */
  private label(userId: number, memberIds: number[]): string {
    const rows = this.ctx.db.sqlite
      .prepare("SELECT m.content FROM json_each(?) j CROSS JOIN memories m ON m.id = j.value WHERE +m.user_id = ?")
      .raw()
      .all(JSON.stringify(memberIds), userId) as [string][];
    const df = new Map<string, number>();
    for (const [content] of rows) {
      for (const t of queryTerms(content)) if (t.length > 2 && !/^\d+$/.test(t)) df.set(t, (df.get(t) ?? 0) + 1);
    }
    return [...df.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, LABEL_TERMS)
      .map(([t]) => t)
      .join(", ");
  }
}
