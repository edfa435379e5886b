import { and, asc, eq, inArray } from "drizzle-orm";
import { graphCommunities, memories, type CommunityRow, type LinkRow, type MemoryRow } from "../db/schema.js";
import type { CoreContext } from "../context.js";
import { notFound } from "../errors.js";
import type { GraphStateRow, GraphState } from "./graph-state.js";

export interface GraphView {
  nodes: MemoryRow[];
  edges: LinkRow[];
  /** True when more edges joined these nodes than were returned. */
  truncated: boolean;
}

export interface Neighborhood extends GraphView {
  center: number;
  /** Hops from the center, by memory id. */
  hops: Map<number, number>;
}

export interface TimelineWeek {
  /** Monday of the ISO week, YYYY-MM-DD (UTC). */
  week_start: string;
  memories: number;
  versions: number;
  links: number;
  entities: number;
  total_memories: number;
  total_links: number;
}

export interface CommunitySummary {
  community: CommunityRow;
  /** Members by PageRank, most central first. */
  topMemories: number[];
}

const LIVE = "m.is_latest = 1 AND m.is_forgotten = 0 AND m.is_archived = 0";
const TOP_MEMBERS = 10;

/** Read models of the graph for the HTTP routes; every query is filtered by the tenant. */
export class GraphViews {
  constructor(
    private readonly ctx: CoreContext,
    private readonly state: GraphState,
  ) {}

  private rows(userId: number, ids: readonly number[]): MemoryRow[] {
    if (ids.length === 0) return [];
    const rows = this.ctx.db.orm
      .select()
      .from(memories)
      .where(and(eq(memories.userId, userId), inArray(memories.id, [...ids])))
      .all();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Links of the user among `ids`, oldest first, at most `limit` (plus whether there were more). */
  private edgesAmong(userId: number, ids: readonly number[], limit: number): { edges: LinkRow[]; truncated: boolean } {
    if (ids.length < 2) return { edges: [], truncated: false };
    const json = JSON.stringify(ids);
    const rows = this.ctx.db.sqlite
      .prepare(
        `SELECT l.id, l.user_id AS userId, l.source_id AS sourceId, l.target_id AS targetId, l.type, l.similarity, l.created_at AS createdAt
           FROM json_each(?) s CROSS JOIN memory_links l ON l.source_id = s.value
          WHERE +l.user_id = ? AND l.target_id IN (SELECT value FROM json_each(?))
          ORDER BY l.id LIMIT ?`,
      )
      .all(json, userId, json, limit + 1) as LinkRow[];
    return { edges: rows.slice(0, limit), truncated: rows.length > limit };
  }

  /** The most central memories (PageRank, then importance, then newest) and the links among them. */
  overview(userId: number, opts: { limit: number; edgeLimit: number; communityId?: number | undefined }): GraphView {
    const where = opts.communityId != null ? `AND m.community_id = ?` : "";
    const params: unknown[] = [userId, ...(opts.communityId != null ? [opts.communityId] : []), opts.limit];
    const ids = (
      this.ctx.db.sqlite
        .prepare(`SELECT m.id FROM memories m WHERE m.user_id = ? AND ${LIVE} ${where} ORDER BY m.pagerank_score DESC, m.importance DESC, m.id DESC LIMIT ?`)
        .raw()
        .all(...params) as [number][]
    ).map((r) => r[0]);
    const { edges, truncated } = this.edgesAmong(userId, ids, opts.edgeLimit);
    return { nodes: this.rows(userId, ids), edges, truncated };
  }

  /**
   * Breadth-first from a memory along links in both directions, up to `depth` hops and
   * `limit` memories. Superseded versions are reachable (a version chain is part of the
   * story); forgotten and archived memories are not. Another tenant's memory is a 404.
   */
  neighborhood(userId: number, centerId: number, opts: { depth: number; limit: number; types?: readonly string[] | undefined }): Neighborhood {
    const center = this.rows(userId, [centerId])[0];
    if (!center || center.isForgotten) throw notFound("memory");
    const typeFilter = opts.types ? "AND l.type IN (SELECT value FROM json_each(?))" : "";
    // Both directions, each from the frontier's ids by index (never a scan of the tenant's links).
    const step = this.ctx.db.sqlite.prepare(
      `SELECT l.id AS link, l.target_id AS id FROM json_each(?) f CROSS JOIN memory_links l ON l.source_id = f.value WHERE +l.user_id = ? ${typeFilter}
       UNION ALL
       SELECT l.id, l.source_id FROM json_each(?) f CROSS JOIN memory_links l ON l.target_id = f.value WHERE +l.user_id = ? ${typeFilter}
       ORDER BY link`,
    );
    const visibleAmong = this.ctx.db.sqlite.prepare(
      `SELECT m.id FROM json_each(?) j CROSS JOIN memories m ON m.id = j.value WHERE +m.user_id = ? AND m.is_forgotten = 0 AND m.is_archived = 0`,
    );
    const hops = new Map<number, number>([[centerId, 0]]);
    let frontier = [centerId];
    for (let depth = 1; depth <= opts.depth && frontier.length && hops.size < opts.limit; depth++) {
      const json = JSON.stringify(frontier);
      const half = opts.types ? [json, userId, JSON.stringify(opts.types)] : [json, userId];
      const reached = (step.all(...half, ...half) as { id: number }[]).map((r) => r.id);
      const fresh = [...new Set(reached)].filter((id) => !hops.has(id));
      const visible = new Set((visibleAmong.raw().all(JSON.stringify(fresh), userId) as [number][]).map((r) => r[0]));
      frontier = [];
      for (const id of fresh) {
        if (!visible.has(id) || hops.size >= opts.limit) continue;
        hops.set(id, depth);
        frontier.push(id);
      }
    }
    const ids = [...hops.keys()];
    const { edges, truncated } = this.edgesAmong(userId, ids, opts.limit * 10);
    const typed = opts.types ? edges.filter((e) => opts.types!.includes(e.type)) : edges;
    return { center: centerId, nodes: this.rows(userId, ids), edges: typed, truncated, hops };
  }

  /** Weekly growth over the last `weeks` ISO weeks that saw activity, oldest first, with running totals. */
  timeline(userId: number, weeks: number): TimelineWeek[] {
    // Six days back, then forward to a Monday: the Monday that starts x's ISO week.
    const week = (col: string) => `date(${col}, '-6 days', 'weekday 1')`;
    const rows = this.ctx.db.sqlite
      .prepare(
        `SELECT week, sum(memories) AS memories, sum(versions) AS versions, sum(links) AS links, sum(entities) AS entities FROM (
           SELECT ${week("created_at")} AS week, sum(version = 1) AS memories, sum(version > 1) AS versions, 0 AS links, 0 AS entities
             FROM memories WHERE user_id = ? GROUP BY 1
           UNION ALL
           SELECT ${week("created_at")}, 0, 0, count(*), 0 FROM memory_links WHERE user_id = ? GROUP BY 1
           UNION ALL
           SELECT ${week("coalesce(first_seen_at, created_at)")}, 0, 0, 0, count(*) FROM entities WHERE user_id = ? GROUP BY 1
         ) GROUP BY week ORDER BY week`,
      )
      .all(userId, userId, userId) as { week: string; memories: number; versions: number; links: number; entities: number }[];
    let totalMemories = 0;
    let totalLinks = 0;
    const all = rows.map((r) => {
      totalMemories += r.memories;
      totalLinks += r.links;
      return {
        week_start: r.week,
        memories: r.memories,
        versions: r.versions,
        links: r.links,
        entities: r.entities,
        total_memories: totalMemories,
        total_links: totalLinks,
      };
    });
    return all.slice(-weeks);
  }

  communities(userId: number): { communities: CommunitySummary[]; state: GraphStateRow | undefined } {
    const rows = this.ctx.db.orm.select().from(graphCommunities).where(eq(graphCommunities.userId, userId)).orderBy(asc(graphCommunities.id)).all();
    return { communities: rows.map((c) => ({ community: c, topMemories: this.members(userId, c.id, TOP_MEMBERS).map((m) => m.id) })), state: this.state.get(userId) };
  }

  community(userId: number, id: number, limit: number): { community: CommunityRow; members: MemoryRow[] } {
    const community = this.ctx.db.orm
      .select()
      .from(graphCommunities)
      .where(and(eq(graphCommunities.id, id), eq(graphCommunities.userId, userId)))
      .get();
    if (!community) throw notFound("community");
    return { community, members: this.members(userId, id, limit) };
  }

  private members(userId: number, communityId: number, limit: number): MemoryRow[] {
    const ids = (
      this.ctx.db.sqlite
        .prepare(`SELECT m.id FROM memories m WHERE m.user_id = ? AND m.community_id = ? AND ${LIVE} ORDER BY m.pagerank_score DESC, m.id LIMIT ?`)
        .raw()
        .all(userId, communityId, limit) as [number][]
    ).map((r) => r[0]);
    return this.rows(userId, ids);
  }
}
