import { z } from "zod";
import { isoNow, type CoreContext } from "../../context.js";
import type { MemoryRow } from "../../db/index.js";
import { invalid, notFound } from "../../errors.js";
import { linkStore, MAX_CONTENT_BYTES, type MemoryService, type TtlSweeper } from "../../memory/index.js";
import type { LlmClient } from "../../llm/index.js";
import type { EmbeddingService } from "../../vector/index.js";
import { derivedVector, storeDerived } from "../derived.js";
import { bulletMerge } from "./consolidation-text.js";
import type { Duplicates } from "./duplicates.js";
import type { ConsolidationRecord, MaintenanceStore } from "./store.js";

export const MIN_SOURCES = 2;
export const MAX_SOURCES = 50;
/** Tags a consolidation carries at most (the store's own limit). */
const MAX_TAGS = 100;
/** An LLM paragraph is a paraphrase: it may lose nuance the bullet merge, a verbatim copy, cannot. */
const LLM_CONFIDENCE = 0.9;

const PROMPT = `You merge several notes of one person into one paragraph.
Keep every fact: names, numbers, dates, paths, versions, hosts. Add nothing that is not in the notes.
Answer with JSON only: {"summary": "<one paragraph>"}`;
const summarySchema = z.object({ summary: z.string().trim().min(1) });

interface MergedText {
  content: string;
  method: "rules" | "llm";
  model: string | null;
}

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
    private readonly llm: LlmClient,
  ) {}

  /**
   * The LLM's paragraph when one is configured and answers with a text no longer than the
   * bullet merge (contracts/intelligence.md §3); otherwise, or on any failure, the bullet merge.
   */
  private async mergedText(sources: readonly MemoryRow[]): Promise<MergedText> {
    const rules = bulletMerge(sources.map((s) => s.content));
    if (!this.llm.configured) return { content: rules, method: "rules", model: null };
    const input = sources.map((s, i) => `Note ${i + 1}: ${s.content}`).join("\n");
    const r = await this.llm.complete({ feature: "consolidation", system: PROMPT, input, schema: summarySchema, temperature: 0.3 });
    if (!r.ok || r.value.summary.length > rules.length) return { content: rules, method: "rules", model: null };
    return { content: r.value.summary, method: "llm", model: r.model };
  }

  async consolidate(userId: number, ids: readonly number[]): Promise<Consolidated> {
    const sources = this.sources(userId, ids);
    const { content, method, model } = await this.mergedText(sources);
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
      const result = this.memories.annotate(userId, memory.id, {
        sourceCount: current.length,
        ...(method === "llm" ? { model, confidence: LLM_CONFIDENCE } : {}),
      });
      const now = isoNow(this.ctx);
      const links = linkStore(this.ctx.db);
      for (const s of current) {
        links.insert(userId, { sourceId: result.id, targetId: s.id, type: "consolidates", similarity: 1 }, now);
        this.memories.annotate(userId, s.id, { isConsolidated: true });
      }
      this.store.recordConsolidation({ userId, resultMemoryId: result.id, sourceIds: ids, summary: content, method, confidence: method === "llm" ? LLM_CONFIDENCE : 1, at: now });
      return { memory: result, method };
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
