import { isoNow, type CoreContext } from "../context.js";
import type { MemoryGraphColumns } from "../memory/index.js";
import type { MemoryLookups } from "../memory/index.js";
import { queryTerms } from "../text/index.js";
import { graphData, type Analysis, type GraphData } from "./algorithms.js";
import type { EntityService } from "./entities.js";
import { analyseOffThread } from "./offload.js";
import type { CommunityStore } from "./store/communities.js";
import type { LinkStore } from "../memory/index.js";
import type { GraphState } from "./store/state.js";

export interface PagerankResult {
  success: true;
  user_id: number;
  nodes: number;
  /** Links among the nodes (a similarity link counts once). */
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
  /** load and persist run on the main thread; build, pagerank and louvain on the worker. */
  timings_ms: { load: number; build: number; pagerank: number; louvain: number; persist: number; total: number };
}

/** Members whose words name a community: its most central ones. */
const LABEL_MEMBERS = 10;
const LABEL_TERMS = 3;
/**
 * Characters of each central member a label reads: a memory's first 64 distinct words are all
 * its label can use (queryTerms), and ordinary text has them within 4 KB; a memory of one word
 * repeated 50,000 times would otherwise be read whole, for every community, in every refresh.
 */
const LABEL_SCAN_CHARS = 4_096;

const round = (ms: number) => Math.round(ms * 10) / 10;
const score = (rank: number) => Math.round(rank * 1e6) / 1e6;

/** What the refresh reads and writes through. */
export interface RefreshDeps {
  state: GraphState;
  links: LinkStore;
  communities: CommunityStore;
  /** The memories' pagerank_score and community_id. */
  columns: MemoryGraphColumns;
  memories: MemoryLookups;
  entities: EntityService;
}

interface Loaded {
  nodes: number[];
  data: GraphData;
  /** The dirty-edge count the refresh accounts for; links added while it runs stay counted. */
  dirty: number;
}

/**
 * Runs PageRank and Louvain over a tenant's graph (its latest, live memories and their
 * links) and stores the results on the memories: pagerank_score, scaled so the tenant's
 * top memory is 1, and community_id, a graph_communities row for every community of two
 * or more (a memory alone has none). Superseded, forgotten and archived memories score 0.
 * The algorithms run on a worker thread; reading the graph and writing the results do not.
 */
export class GraphRefresher {
  constructor(
    private readonly ctx: CoreContext,
    private readonly deps: RefreshDeps,
    /** Called after new scores or communities are written (search ranks with them). */
    private readonly onChange: (userId: number) => void = () => {},
  ) {}

  private load(userId: number): Loaded {
    return this.ctx.db.sqlite.transaction(() => {
      const nodes = this.deps.columns.liveIds(userId);
      return { nodes, data: graphData(nodes, this.deps.links.all(userId)), dirty: this.deps.state.get(userId)?.dirtyEdges ?? 0 };
    })();
  }

  async pagerank(userId: number): Promise<PagerankResult> {
    const t0 = performance.now();
    const g = this.load(userId);
    const a = await analyseOffThread(g.data, { pagerank: true, communities: false, seed: userId });
    const updated = this.ctx.db.sqlite.transaction(() => {
      let n = 0;
      g.nodes.forEach((id, i) => (n += this.deps.columns.setRank(userId, id, score(a.ranks[i]!))));
      this.clearStale(userId);
      return n;
    })();
    this.onChange(userId);
    return { success: true, user_id: userId, nodes: g.nodes.length, edges: a.links, memories_updated: updated, duration_ms: round(performance.now() - t0) };
  }

  async communities(userId: number): Promise<CommunitiesResult> {
    const t0 = performance.now();
    const g = this.load(userId);
    const a = await analyseOffThread(g.data, { pagerank: false, communities: true, seed: userId });
    const { count, assigned } = this.ctx.db.sqlite.transaction(() => {
      const communityOf = this.replaceCommunities(userId, g.nodes, a, this.storedRanks(userId));
      let n = 0;
      for (const id of g.nodes) {
        const community = communityOf.get(id) ?? null;
        const changed = this.deps.columns.setCommunity(userId, id, community);
        if (community !== null) n += changed;
      }
      this.clearStale(userId);
      return { count: new Set(communityOf.values()).size, assigned: n };
    })();
    this.onChange(userId);
    return {
      success: true,
      user_id: userId,
      nodes: g.nodes.length,
      edges: a.links,
      communities: count,
      modularity: a.modularity,
      memories_assigned: assigned,
      duration_ms: round(performance.now() - t0),
    };
  }

  /** Both algorithms, the entity counts, and the tenant's graph state (the dirty count it covered goes back to zero). */
  async refresh(userId: number): Promise<RefreshResult> {
    const t0 = performance.now();
    const g = this.load(userId);
    const t1 = performance.now();
    const a = await analyseOffThread(g.data, { pagerank: true, communities: true, seed: userId });
    const t2 = performance.now();
    const { count, updated } = this.ctx.db.sqlite.transaction(() => {
      const rank = new Map(g.nodes.map((id, i) => [id, a.ranks[i]!]));
      const communityOf = this.replaceCommunities(userId, g.nodes, a, (id) => rank.get(id) ?? 0);
      // One write per memory for both results.
      let n = 0;
      g.nodes.forEach((id, i) => (n += this.deps.columns.setRankAndCommunity(userId, id, score(a.ranks[i]!), communityOf.get(id) ?? null)));
      this.clearStale(userId);
      const count = new Set(communityOf.values()).size;
      this.deps.entities.rebuildCounts(userId);
      this.deps.state.refreshed(
        userId,
        { nodeCount: g.nodes.length, edgeCount: a.links, communityCount: count, modularity: a.modularity, durationMs: round(performance.now() - t0) },
        isoNow(this.ctx),
        g.dirty,
      );
      return { count, updated: n };
    })();
    this.onChange(userId);
    const t3 = performance.now();
    return {
      user_id: userId,
      nodes: g.nodes.length,
      edges: a.links,
      communities: count,
      modularity: a.modularity,
      memories_updated: updated,
      timings_ms: {
        load: round(t1 - t0),
        build: round(a.timings.build),
        pagerank: round(a.timings.pagerank),
        louvain: round(a.timings.louvain),
        persist: round(t3 - t2),
        total: round(t3 - t0),
      },
    };
  }

  /**
   * Replaces the tenant's communities with those of two or more members, biggest first (so
   * ids of one refresh read in order of size), each labelled by its most central members.
   * Returns the community id of every member.
   */
  private replaceCommunities(userId: number, nodes: readonly number[], a: Analysis, rankOf: (id: number) => number): Map<number, number> {
    this.deps.communities.deleteAll(userId);
    const groups = new Map<number, number[]>();
    nodes.forEach((id, i) => {
      const c = a.membership[i]!;
      const g = groups.get(c);
      if (g) g.push(id);
      else groups.set(c, [id]);
    });
    const communities = [...groups.values()].filter((g) => g.length >= 2).sort((x, y) => y.length - x.length || x[0]! - y[0]!);
    const now = isoNow(this.ctx);
    const communityOf = new Map<number, number>();
    for (const members of communities) {
      members.sort((x, y) => rankOf(y) - rankOf(x) || x - y);
      const id = this.deps.communities.insert(userId, this.label(userId, members.slice(0, LABEL_MEMBERS)), members.length, now);
      for (const m of members) communityOf.set(m, id);
    }
    return communityOf;
  }

  /**
   * Superseded, forgotten and archived memories lose their score and community, and no
   * memory keeps the id of a community that no longer exists (a version made while the
   * worker ran carries its predecessor's).
   */
  private clearStale(userId: number): void {
    this.deps.columns.clearStale(userId, this.deps.communities.ids(userId));
  }

  private storedRanks(userId: number): (id: number) => number {
    const map = this.deps.columns.ranks(userId);
    return (id) => map.get(id) ?? 0;
  }

  /**
   * The words most of a community's central members share, e.g. "kubernetes, cluster, upgrade",
   * from the first LABEL_SCAN_CHARS of each: a refresh labels every community of the tenant.
   */
  private label(userId: number, memberIds: number[]): string {
    const df = new Map<string, number>();
    for (const content of this.deps.memories.heads(userId, memberIds, LABEL_SCAN_CHARS)) {
      for (const t of queryTerms(content)) if (t.length > 2 && !/^\d+$/.test(t)) df.set(t, (df.get(t) ?? 0) + 1);
    }
    return [...df.entries()]
      .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
      .slice(0, LABEL_TERMS)
      .map(([t]) => t)
      .join(", ");
  }
}
