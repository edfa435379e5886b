import { isoNow, type CoreContext } from "../../context.js";
import type { MemoryRow } from "../../db/index.js";
import { invalid, notFound } from "../../errors.js";
import { linkStore, MAX_CONTENT_BYTES, type MemoryService, type TtlSweeper } from "../../memory/index.js";
import type { EmbeddingService } from "../../vector/index.js";
import { derivedVector, storeDerived } from "../derived.js";
import { bulletMerge } from "./consolidation-text.js";
import type { Duplicates } from "./duplicates.js";
import type { ConsolidationRecord, MaintenanceStore } from "./store.js";

export const MIN_SOURCES = 2;
export const MAX_SOURCES = 50;
/** Tags a consolidation carries at most (the store's own limit). */
const MAX_TAGS = 100;

export interface Consolidated {
  memory: MemoryRow;
  method: "rules" | "llm";
}

export interface SweepResult {
  /** Kept from the TTL-only sweep: how many were forgotten. */
  swept: number;
  forgotten: number;
  ids: number[];
  pairs_found: number;
  consolidated: number;
}

/**
 * POST /consolidate: one memory that summarises several, written through the store path. The
 * sources stay as they were, searchable, with `is_consolidated = 1` and a `consolidates` link
 * from the summary; a consolidations row records the merge.
 */
export class Consolidations {
  constructor(
    private readonly ctx: CoreContext,
    private readonly memories: MemoryService,
    private readonly embedding: EmbeddingService,
    private readonly store: MaintenanceStore,
    private readonly duplicates: Duplicates,
    private readonly ttl: TtlSweeper,
  ) {}

  async consolidate(userId: number, ids: readonly number[]): Promise<Consolidated> {
    const sources = this.sources(userId, ids);
    const content = bulletMerge(sources.map((s) => s.content));
    if (Buffer.byteLength(content) > MAX_CONTENT_BYTES) throw invalid("memory_ids", `the merged text would exceed ${MAX_CONTENT_BYTES} bytes`);
    const vector = await derivedVector(this.embedding, content);
    return this.ctx.db.sqlite.transaction(() => {
      // Read again inside the transaction: a source may have been deleted while the text was embedded.
      const current = this.sources(userId, ids);
      const first = current[0]!;
      const { memory } = storeDerived(
        this.memories,
        userId,
        {
          content,
          category: first.category,
          source: "consolidation",
          importance: Math.max(...current.map((s) => s.importance)),
          tags: [...new Set(current.flatMap((s) => s.tags))].slice(0, MAX_TAGS),
          space_id: first.spaceId,
        },
        vector,
      );
      const result = this.memories.annotate(userId, memory.id, { sourceCount: current.length });
      const now = isoNow(this.ctx);
      const links = linkStore(this.ctx.db);
      for (const s of current) {
        links.insert(userId, { sourceId: result.id, targetId: s.id, type: "consolidates", similarity: 1 }, now);
        this.memories.annotate(userId, s.id, { isConsolidated: true });
      }
      this.store.recordConsolidation({ userId, resultMemoryId: result.id, sourceIds: ids, summary: content, method: "rules", confidence: 1, at: now });
      return { memory: result, method: "rules" as const };
    })();
  }

  list(userId: number, limit: number): ConsolidationRecord[] {
    return this.store.consolidations(userId, limit);
  }

  /**
   * POST /sweep: the TTL pass (memories past forget_after are forgotten), then the
   * consolidation sweep (each candidate group at or above `threshold` is consolidated).
   */
  async sweep(userId: number, threshold: number): Promise<SweepResult> {
    const ttl = await this.ttl.sweep(userId);
    const { groups, pairs } = this.duplicates.candidates(userId, threshold);
    let consolidated = 0;
    for (const group of groups) {
      await this.consolidate(userId, group.slice(0, MAX_SOURCES));
      consolidated++;
    }
    return { swept: ttl.swept, forgotten: ttl.swept, ids: ttl.ids, pairs_found: pairs, consolidated };
  }

  /** The user's present memories for `ids`, in order; the first id that is not theirs is a 404 naming it. */
  private sources(userId: number, ids: readonly number[]): MemoryRow[] {
    return ids.map((id) => {
      const m = this.memories.find(userId, id);
      if (!m || m.isForgotten) throw notFound(`memory ${id}`);
      return m;
    });
  }
}
