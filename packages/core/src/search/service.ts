import type { MemoryRow } from "../db/schema.js";
import type { CoreContext } from "../context.js";
import type { MemoryService } from "../memory/memories.js";
import { normalizeTags } from "../memory/schemas.js";
import { lexicalSearch, type SearchFilters } from "./lexical.js";

export interface SearchRequest extends SearchFilters {
  query: string;
  limit: number;
  threshold?: number | undefined;
}

export interface SearchHit {
  memory: MemoryRow;
  score: number;
  searchType: "fts";
}

export interface SearchResult {
  hits: SearchHit[];
  abstained: boolean;
  topScore: number;
}

/** Maps bm25 (0..∞) onto 0..1 without depending on the other results, so thresholds mean the same across queries. */
const bm25ToScore = (bm25: number) => bm25 / (1 + bm25);

export class SearchService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly memories: MemoryService,
  ) {}

  search(userId: number, req: SearchRequest): SearchResult {
    const filters = { ...req, tags: req.tags ? normalizeTags(req.tags) : undefined };
    const lexical = lexicalSearch(this.ctx, userId, req.query, req.limit, filters);
    const rows = new Map(this.memories.byIds(userId, lexical.map((h) => h.id)).map((r) => [r.id, r]));
    const threshold = req.threshold ?? 0;
    const hits = lexical
      .map((h) => ({ memory: rows.get(h.id)!, score: bm25ToScore(h.bm25), searchType: "fts" as const }))
      .filter((h) => h.memory && h.score >= threshold);
    return { hits, abstained: hits.length === 0, topScore: hits[0]?.score ?? 0 };
  }

  /**
   * Memories for an agent's current context: search hits when there is text to search with,
   * otherwise the most important recent ones. Every returned memory is marked as accessed.
   */
  recall(userId: number, opts: { query?: string | undefined; limit: number; spaceId?: number | undefined }): MemoryRow[] {
    const rows = opts.query?.trim()
      ? this.search(userId, { query: opts.query, limit: opts.limit, spaceId: opts.spaceId }).hits.map((h) => h.memory)
      : this.memories
          .list(userId, { limit: 200, offset: 0, spaceId: opts.spaceId })
          .sort((a, b) => b.importance - a.importance || b.id - a.id)
          .slice(0, opts.limit);
    this.memories.touch(
      userId,
      rows.map((r) => r.id),
    );
    return this.memories.byIds(
      userId,
      rows.map((r) => r.id),
    );
  }
}
