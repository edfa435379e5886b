import { isoNow, type CoreContext } from "../../context.js";
import type { MemoryRow } from "../../db/index.js";
import { conflict } from "../../errors.js";
import { linkStore, type MemoryService } from "../../memory/index.js";
import type { EmbeddingService } from "../../vector/index.js";
import { derivedVector, storeDerived } from "../derived.js";
import type { MaintenanceStore } from "./store.js";

export const DEFAULT_CORRECTION_REASON = "manual correction";

export interface CorrectionInput {
  memoryId: number;
  content: string;
  reason?: string | undefined;
}

/**
 * POST /correct: a new memory replaces an old one without deleting it. The new memory goes
 * through the store path with the old one's category, source, importance, tags, static flag,
 * space, session and episode; the old one is marked superseded (hidden from search, recall and
 * context, readable by id), a `supersedes` link joins new → old, and a reconsolidations row
 * keeps both texts and the reason. One transaction: all of it or none.
 */
export class Corrections {
  constructor(
    private readonly ctx: CoreContext,
    private readonly memories: MemoryService,
    private readonly embedding: EmbeddingService,
    private readonly store: MaintenanceStore,
  ) {}

  async correct(userId: number, input: CorrectionInput): Promise<MemoryRow> {
    this.correctable(userId, input.memoryId);
    const vector = await derivedVector(this.embedding, input.content);
    return this.ctx.db.sqlite.transaction(() => {
      // Checked again: another request may have corrected it while the text was embedded.
      const old = this.correctable(userId, input.memoryId);
      // Marked first, so the store's duplicate check cannot answer with the memory being replaced.
      this.memories.annotate(userId, old.id, { isSuperseded: true });
      let { memory } = storeDerived(
        this.memories,
        userId,
        {
          content: input.content,
          category: old.category,
          source: old.source,
          importance: old.importance,
          tags: old.tags,
          is_static: old.isStatic,
          space_id: old.spaceId,
          session_id: old.sessionId,
        },
        vector,
      );
      if (old.episodeId != null && memory.episodeId == null) memory = this.memories.annotate(userId, memory.id, { episodeId: old.episodeId });
      const now = isoNow(this.ctx);
      linkStore(this.ctx.db).insert(userId, { sourceId: memory.id, targetId: old.id, type: "supersedes", similarity: 1 }, now);
      this.store.recordReconsolidation({
        userId,
        memoryId: old.id,
        newMemoryId: memory.id,
        oldContent: old.content,
        newContent: memory.content,
        reason: input.reason ?? DEFAULT_CORRECTION_REASON,
        triggeredBy: "correct",
        at: now,
      });
      return memory;
    })();
  }

  /** The user's memory as a correction needs it: present (404 otherwise), the latest version, not yet superseded (409). */
  private correctable(userId: number, id: number): MemoryRow {
    const old = this.memories.get(userId, id);
    if (old.isSuperseded) throw conflict(`memory ${id} is already superseded`);
    if (!old.isLatest) throw conflict(`memory ${id} is not the latest version; correct the latest one`);
    return old;
  }
}
