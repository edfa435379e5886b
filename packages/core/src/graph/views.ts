import type { CommunityRow, LinkRow, MemoryRow } from "../db/index.js";
import { notFound } from "../errors.js";
import type { MemoryGraphColumns } from "../memory/index.js";
import type { MemoryLookups } from "../memory/index.js";
import type { MemorySelections } from "../memory/index.js";
import type { CommunityStore } from "./store/communities.js";
import type { EntityStore } from "./store/entities.js";
import type { LinkStore } from "../memory/index.js";
import type { GraphStateRow, GraphState } from "./store/state.js";

export interface GraphView {
  nodes: MemoryRow[];
  edges: LinkRow[];
  /** True when more edges joined these nodes than were returned. */
  truncated: boolean;
}

/** A graph ready to draw: the central memories, their links, and the communities they belong to. */
export interface GraphDrawing extends GraphView {
  communities: CommunityRow[];
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

const TOP_MEMBERS = 10;

/** What the read models read. */
export interface ViewDeps {
  state: GraphState;
  links: LinkStore;
  communities: CommunityStore;
  entities: EntityStore;
  memories: MemoryLookups;
  /** The memories' pagerank_score and community_id, and the reads ordered by them. */
  columns: MemoryGraphColumns;
  /** Memories written per week (the timeline). */
  selections: MemorySelections;
}

/** Read models of the graph for the HTTP routes; every query is filtered by the tenant. */
export class GraphViews {
  constructor(private readonly deps: ViewDeps) {}

  /** The user's memories of these ids, in the order given. */
  rows(userId: number, ids: readonly number[]): MemoryRow[] {
    return this.deps.memories.rows(userId, ids);
  }

  /** Links of the user among `ids`, oldest first, at most `limit` (plus whether there were more). */
  edgesAmong(userId: number, ids: readonly number[], limit: number): { edges: LinkRow[]; truncated: boolean } {
    if (ids.length < 2) return { edges: [], truncated: false };
    const rows = this.deps.links.among(userId, ids, limit + 1);
    return { edges: rows.slice(0, limit), truncated: rows.length > limit };
  }

  /** The most central memories (PageRank, then importance, then newest) and the links among them. */
  overview(userId: number, opts: { limit: number; edgeLimit: number; communityId?: number | undefined }): GraphView {
    const ids = this.deps.columns.central(userId, opts.limit, opts.communityId);
    const { edges, truncated } = this.edgesAmong(userId, ids, opts.edgeLimit);
    return { nodes: this.rows(userId, ids), edges, truncated };
  }

  /** The overview with the communities its nodes belong to (their labels and sizes, for a legend). */
  drawing(userId: number, opts: { limit: number; edgeLimit: number }): GraphDrawing {
    const view = this.overview(userId, opts);
    const shown = new Set(view.nodes.map((n) => n.communityId));
    return { ...view, communities: this.deps.communities.list(userId).filter((c) => shown.has(c.id)) };
  }

  /**
   * Breadth-first from a memory along links in both directions, up to `depth` hops and
   * `limit` memories. Superseded versions are reachable (a version chain is part of the
   * story); forgotten and archived memories are not. Another tenant's memory is a 404.
   */
  neighborhood(userId: number, centerId: number, opts: { depth: number; limit: number; types?: readonly string[] | undefined }): Neighborhood {
    const center = this.rows(userId, [centerId])[0];
    if (!center || center.isForgotten) throw notFound("memory");
    const hops = new Map<number, number>([[centerId, 0]]);
    let frontier = [centerId];
    for (let depth = 1; depth <= opts.depth && frontier.length && hops.size < opts.limit; depth++) {
      // Both directions, by link id.
      const reached = this.deps.links.reached(userId, frontier, opts.types).map((r) => r.id);
      const fresh = [...new Set(reached)].filter((id) => !hops.has(id));
      const visible = this.deps.memories.visibleAmong(userId, fresh);
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
    const byWeek = new Map<string, { week: string; memories: number; versions: number; links: number; entities: number }>();
    const at = (week: string) => {
      let row = byWeek.get(week);
      if (!row) byWeek.set(week, (row = { week, memories: 0, versions: 0, links: 0, entities: 0 }));
      return row;
    };
    for (const w of this.deps.selections.weeklyWrites(userId)) Object.assign(at(w.week), { memories: w.memories, versions: w.versions });
    for (const w of this.deps.links.weeklyLinks(userId)) at(w.week).links = w.links;
    for (const w of this.deps.entities.weeklyEntities(userId)) at(w.week).entities = w.entities;
    const rows = [...byWeek.values()].sort((a, b) => (a.week < b.week ? -1 : a.week > b.week ? 1 : 0));
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
    const rows = this.deps.communities.list(userId);
    return { communities: rows.map((c) => ({ community: c, topMemories: this.members(userId, c.id, TOP_MEMBERS).map((m) => m.id) })), state: this.deps.state.get(userId) };
  }

  community(userId: number, id: number, limit: number): { community: CommunityRow; members: MemoryRow[] } {
    const community = this.deps.communities.get(userId, id);
    if (!community) throw notFound("community");
    return { community, members: this.members(userId, id, limit) };
  }

  private members(userId: number, communityId: number, limit: number): MemoryRow[] {
    return this.rows(userId, this.deps.columns.members(userId, communityId, limit));
  }
}
