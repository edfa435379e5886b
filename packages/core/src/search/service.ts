import type { MemoryRow } from "../db/schema.js";
import type { CoreContext } from "../context.js";
import type { MemoryService } from "../memory/memories.js";
import { normalizeTags } from "../memory/schemas.js";
import type { VectorStore } from "../vector/vector-store.js";
import type { EmbeddingService } from "../vector/embedding-service.js";
import { lexicalSearch, type SearchFilters } from "./lexical.js";
import { fuse, type ChannelName, type ChannelRanking, type Fused } from "./fusion.js";
import { SearchCache } from "./search-cache.js";

export interface SearchRequest extends SearchFilters {
  query: string;
  limit: number;
  threshold?: number | undefined;
  /** Restricts the channels (benchmarks and explain use this); default all that are available. */
  channels?: ChannelName[] | undefined;
}

export interface SearchHit {
  memory: MemoryRow;
  score: number;
  searchType: "hybrid" | ChannelName;
  channels: Partial<Record<ChannelName, { rank: number; score: number }>>;
}

export interface SearchResult {
  hits: SearchHit[];
  abstained: boolean;
  topScore: number;
  channels: ChannelName[];
  timings: Timings;
  /** True when the ranking came from the tenant's cache of recent searches. */
  cached: boolean;
}

interface Timings {
  embed: number;
  lexical: number;
  vector: number;
  fusion: number;
  total: number;
}

interface Ranking {
  fused: Fused[];
  channels: ChannelName[];
  timings: Timings;
}

/** Recent searches kept per tenant. */
const CACHE_PER_TENANT = 256;

/** Channel weights in the fusion, measured on the dev sets in bench/ (see README). */
export const CHANNEL_WEIGHTS: Record<ChannelName, number> = { fts: 1, vector: 0.1 };

/** How many candidates each channel hands to the fusion, per result asked for. */
const CANDIDATES_PER_RESULT = 5;
const MIN_CANDIDATES = 50;

function matchesFilters(m: MemoryRow, f: SearchFilters): boolean {
  if (f.latestOnly !== false && !m.isLatest) return false;
  if (!f.includeForgotten && (m.isForgotten || m.isArchived)) return false;
  if (f.category && m.category !== f.category) return false;
  if (f.source && m.source !== f.source) return false;
  if (f.spaceId != null && m.spaceId !== f.spaceId) return false;
  return (f.tags ?? []).every((t) => m.tags.includes(t));
}

export class SearchService {
  /** Every write of a tenant must call `cache.invalidate(userId)`; createEngram wires it. */
  readonly cache = new SearchCache<Ranking>(CACHE_PER_TENANT);

  constructor(
    private readonly ctx: CoreContext,
    private readonly memories: MemoryService,
    private readonly vectors: VectorStore,
    private readonly embedding: EmbeddingService,
    private readonly vectorMinSimilarity: number,
  ) {}

  async search(userId: number, req: SearchRequest): Promise<SearchResult> {
    const t0 = performance.now();
    const key = JSON.stringify(req);
    const cached = this.cache.get(userId, key);
    let ranking = cached;
    if (!ranking) {
      const generation = this.cache.generation(userId);
      ranking = await this.rank(userId, req);
      this.cache.set(userId, key, ranking, generation);
    }
    // Rows are read fresh each time: a cached ranking never serves stale memory fields.
    const rows = new Map(this.memories.byIds(userId, ranking.fused.slice(0, req.limit * 2).map((f) => f.id)).map((r) => [r.id, r]));
    const threshold = req.threshold ?? 0;
    const ran = ranking.channels;
    const hits: SearchHit[] = ranking.fused
      .filter((f) => rows.has(f.id) && f.score >= threshold)
      .slice(0, req.limit)
      .map((f) => ({ memory: rows.get(f.id)!, score: f.score, channels: f.channels, searchType: ran.length > 1 ? "hybrid" : ran[0]! }));
    const timings = cached ? { embed: 0, lexical: 0, vector: 0, fusion: 0, total: performance.now() - t0 } : { ...ranking.timings, total: performance.now() - t0 };
    return { hits, abstained: hits.length === 0, topScore: hits[0]?.score ?? 0, channels: ran, timings, cached: cached !== undefined };
  }

  /** Runs the channels and fuses them: the part of a search worth caching. */
  private async rank(userId: number, req: SearchRequest): Promise<Ranking> {
    const filters: SearchFilters = { ...req, tags: req.tags ? normalizeTags(req.tags) : undefined };
    const wanted = new Set<ChannelName>(req.channels ?? ["fts", "vector"]);
    const k = Math.max(MIN_CANDIDATES, req.limit * CANDIDATES_PER_RESULT);
    const rankings: ChannelRanking[] = [];
    const timings = { embed: 0, lexical: 0, vector: 0, fusion: 0, total: 0 };

    if (wanted.has("fts")) {
      const t = performance.now();
      const hits = lexicalSearch(this.ctx, userId, req.query, k, filters).map((h) => ({ id: h.id, score: h.bm25 }));
      rankings.push({ channel: "fts", weight: CHANNEL_WEIGHTS.fts, hits });
      timings.lexical = performance.now() - t;
    }
    if (wanted.has("vector") && this.embedding.status() !== "disabled") {
      const t = performance.now();
      const [qv] = (await this.embedding.embed([req.query])) ?? [];
      timings.embed = performance.now() - t;
      if (qv) {
        const tv = performance.now();
        // Over-fetch: status and filter checks below drop some of the nearest neighbours.
        const near = this.vectors.search(userId, qv, k * 2).filter((h) => h.score >= this.vectorMinSimilarity);
        const rows = new Map(this.memories.byIds(userId, near.map((h) => h.id)).map((r) => [r.id, r]));
        const hits = near.filter((h) => rows.has(h.id) && matchesFilters(rows.get(h.id)!, filters)).slice(0, k);
        rankings.push({ channel: "vector", weight: CHANNEL_WEIGHTS.vector, hits });
        timings.vector = performance.now() - tv;
      }
    }
    const tf = performance.now();
    const fused = fuse(rankings);
    timings.fusion = performance.now() - tf;
    return { fused, channels: rankings.map((r) => r.channel), timings };
  }

  /**
   * Memories for an agent's current context: search hits when there is text to search with,
   * otherwise the most important recent ones. Every returned memory is marked as accessed.
   */
  async recall(userId: number, opts: { query?: string | undefined; limit: number; spaceId?: number | undefined }): Promise<MemoryRow[]> {
    const rows = opts.query?.trim()
      ? (await this.search(userId, { query: opts.query, limit: opts.limit, spaceId: opts.spaceId })).hits.map((h) => h.memory)
      : this.memories
          .list(userId, { limit: 200, offset: 0, spaceId: opts.spaceId })
          .sort((a, b) => b.importance - a.importance || b.id - a.id)
          .slice(0, opts.limit);
    const ids = rows.map((r) => r.id);
    this.memories.touch(userId, ids);
    return this.memories.byIds(userId, ids);
  }
}
