import { isoNow, type CoreContext } from "../../context.js";
import { EngramError } from "../../errors.js";
import { linkStore, type MemoryService } from "../../memory/index.js";
import type { SearchService } from "../../search/index.js";
import { storeDerived, type TextEmbedder } from "../derived/index.js";
import type { FactService } from "../facts/index.js";
import { deriveByRules, type Derived } from "./rules.js";

/** A premise memory as the LLM sees it. */
export interface Premise {
  id: number;
  content: string;
}

/** The LLM's conclusions from the premises (source ids among them), or null: the rules then. */
export type Deriver = (premises: readonly Premise[], limit: number) => Promise<{ derived: Derived[]; model: string } | null>;

export interface DeriveRequest {
  memoryIds?: number[] | undefined;
  query?: string | undefined;
  limit: number;
  dryRun: boolean;
}

export interface DeriveResult {
  derived: (Derived & { id: number | null })[];
  method: "rules" | "llm";
}

/** How many search hits a query's premises are. */
const QUERY_PREMISES = 20;

/**
 * POST /derive: conclusions from given memories (or a query's top hits), stored as memories of
 * category `derived` with `derived_from` links to their premises, unless it is a dry run.
 */
export class DeriveService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly deps: { memories: MemoryService; facts: FactService; search: SearchService; embedder: TextEmbedder; llm: Deriver | null },
  ) {}

  private async premises(userId: number, req: DeriveRequest): Promise<Premise[]> {
    if (req.memoryIds) {
      const rows = this.deps.memories.byIds(userId, req.memoryIds);
      const missing = req.memoryIds.find((id) => !rows.some((r) => r.id === id && !r.isForgotten));
      if (missing !== undefined) throw new EngramError("not_found", `memory ${missing} not found`, "memory_ids");
      return rows.map((r) => ({ id: r.id, content: r.content }));
    }
    const found = await this.deps.search.search(userId, { query: req.query!, limit: QUERY_PREMISES });
    return found.hits.map((h) => ({ id: h.memory.id, content: h.memory.content }));
  }

  async derive(userId: number, req: DeriveRequest): Promise<DeriveResult> {
    const premises = await this.premises(userId, req);
    const llm = this.deps.llm && premises.length > 0 ? await this.deps.llm(premises, req.limit).catch(() => null) : null;
    let conclusions: Derived[];
    if (llm) conclusions = llm.derived;
    else {
      // The premises' facts, extracted now when their post-store job has not run yet (idempotent).
      for (const p of premises) await this.deps.facts.extract(userId, p.id);
      conclusions = deriveByRules(
        this.deps.facts.ofMemories(userId, premises.map((p) => p.id)),
        req.limit,
      );
    }
    const method = llm ? "llm" : "rules";
    if (req.dryRun) return { derived: conclusions.map((c) => ({ ...c, id: null })), method };
    const stored = await storeDerived(
      { db: this.ctx.db, memories: this.deps.memories, embedder: this.deps.embedder },
      userId,
      conclusions.map((c) => ({ content: c.content, category: "derived", source: "derive", llm: llm ? { model: llm.model, confidence: c.confidence } : undefined })),
    );
    const links = linkStore(this.ctx.db);
    const now = isoNow(this.ctx);
    const derived = this.ctx.db.sqlite.transaction(() =>
      conclusions.map((c, i) => {
        const r = stored[i]!;
        const id = r.kind === "stored" ? r.memory.id : r.existingId;
        for (const premise of c.sourceIds) links.insert(userId, { sourceId: id, targetId: premise, type: "derived_from", similarity: c.confidence }, now);
        return { ...c, id };
      }),
    )();
    return { derived, method };
  }
}
