import type { FactRow, MemoryRow } from "../../db/index.js";
import { isoNow, type CoreContext } from "../../context.js";
import { notFound } from "../../errors.js";
import type { MemoryEvents } from "../../events/index.js";
import { linkStore, type LinkStore, type MemoryService } from "../../memory/index.js";
import { toContradiction, type Contradiction, type FactPair } from "./contradictions.js";
import { extractRuleFacts, type ExtractedFact } from "./extract-rules.js";
import { normalizeObject } from "./normalize.js";
import { FactStore, type FactFilter } from "./store.js";
import { planWindow } from "./windows.js";

/** What one extraction did to a memory (POST /intelligence/extract, the post-store step). */
export interface ExtractionResult {
  memoryId: number;
  factIds: number[];
  /** Facts of the memory. */
  facts: number;
  /** Of those, likes and dislikes. */
  preferences: number;
  /** Windows of earlier facts this extraction closed (a move, a new job). */
  stateUpdates: number;
  /** Contradictions with earlier memories found now (each recorded as a `contradicts` link). */
  contradictions: number;
  method: "rules" | "llm";
  /** True when the extractor had already run on this memory: nothing new was stored. */
  already: boolean;
}

/**
 * Turns a memory's text into facts. The rules path is `extractRuleFacts`; the LLM path plugs in
 * here and answers null when it has nothing, so the rules path runs instead.
 */
export type FactExtractor = (content: string, saidAt: Date, background: boolean) => Promise<{ facts: ExtractedFact[]; method: "llm"; model: string } | null>;

/**
 * A value pair whose objects may be spellings of one thing ("NYC" / "New York City") goes to this
 * check when an LLM is set; true drops the pair. Null: no LLM, or it failed: the pair stays.
 */
export type SameValueCheck = (pair: Contradiction, background: boolean) => Promise<boolean | null>;

/** Same-value questions one request or job may ask the LLM; further pairs stay reported as they are. */
const MAX_SAME_VALUE_CALLS = 10;

/**
 * Facts with validity windows and the contradictions between them (contracts/intelligence.md §4):
 * extraction, the windows an exclusive predicate closes, `contradicts` links, listing by time.
 */
/** Lifecycle changes after which a memory's facts no longer hold (contracts/intelligence.md §4). */
const WITHDRAWN = new Set(["forgotten", "superseded", "rejected"]);

export class FactService {
  private readonly store: FactStore;
  private readonly links: LinkStore;

  constructor(
    private readonly ctx: CoreContext,
    private readonly memories: MemoryService,
    private readonly llm: { extract: FactExtractor | null; sameValue: SameValueCheck | null } = { extract: null, sameValue: null },
  ) {
    this.store = new FactStore(ctx.db);
    this.links = linkStore(ctx.db);
  }

  /** Forgetting, superseding (a correction, a deduplication) or rejecting a memory ends its facts' windows in that write's transaction. */
  follow(events: MemoryEvents): void {
    events.onStatusChanging((e) => {
      if (WITHDRAWN.has(e.to)) this.closeFactsOf(e.userId, e.memoryId);
    });
  }

  /**
   * Ends, now, the windows of the memory's facts still open. The forget path calls it; so must a
   * correction that supersedes the memory and a rejection (contracts/intelligence.md §4). Returns
   * how many windows closed. Call it inside the write's transaction to commit both at once.
   */
  closeFactsOf(userId: number, memoryId: number): number {
    return this.store.closeOfMemory(userId, memoryId, isoNow(this.ctx));
  }

  private memory(userId: number, memoryId: number): MemoryRow {
    const memory = this.memories.find(userId, memoryId);
    if (!memory) throw notFound("memory");
    return memory;
  }

  /**
   * Runs the extractor on the memory once: a second run (a retried job, a backfill, the route)
   * returns what the first stored. Only an approved latest version that is not forgotten has facts.
   */
  async extract(userId: number, memoryId: number, opts: { background?: boolean } = {}): Promise<ExtractionResult> {
    const background = opts.background ?? false;
    const memory = this.memory(userId, memoryId);
    const done = this.existing(userId, memory);
    if (done) return done;
    // A memory whose document time is known (an ingested chat export, an episode's narrative) tells
    // of that time, not of the moment it was stored: its undated facts date from it (§4, §5.5).
    const saidAt = new Date(memory.occurredAt ?? memory.createdAt);
    const fromLlm = this.llm.extract ? await this.llm.extract(memory.content, saidAt, background).catch(() => null) : null;
    const found = fromLlm ?? { facts: extractRuleFacts(memory.content, saidAt), method: "rules" as const };
    const { result, pairs } = this.ctx.db.sqlite.transaction(() => {
      // The memory may have changed while the LLM answered: look again inside the transaction.
      const current = this.memory(userId, memoryId);
      const again = this.existing(userId, current);
      if (again) return { result: again, pairs: [] as FactPair[] };
      return this.save(userId, current, found.facts, found.method);
    })();
    if (pairs.length > 0) result.contradictions = (await this.record(userId, pairs, background)).length;
    return result;
  }

  /** The extraction already stored for the memory, or an empty one for a memory that has no facts. */
  private existing(userId: number, memory: MemoryRow): ExtractionResult | null {
    const done = this.store.extraction(userId, memory.id);
    const eligible = memory.reviewStatus === "approved" && memory.isLatest && !memory.isForgotten && !memory.isSuperseded;
    if (!done && eligible) return null;
    const facts = done ? this.store.ofMemories(userId, [memory.id]) : [];
    return {
      memoryId: memory.id,
      factIds: facts.map((f) => f.id),
      facts: facts.length,
      preferences: facts.filter((f) => f.predicate === "likes").length,
      stateUpdates: 0,
      contradictions: 0,
      method: done?.method === "llm" ? "llm" : "rules",
      already: true,
    };
  }

  private save(userId: number, memory: MemoryRow, facts: readonly ExtractedFact[], method: "rules" | "llm") {
    const now = isoNow(this.ctx);
    let stateUpdates = 0;
    // A new version replaces its parent: the parent's facts end where the new version starts.
    if (memory.parentMemoryId !== null) stateUpdates += this.store.closeOfMemory(userId, memory.parentMemoryId, memory.createdAt);
    const factIds: number[] = [];
    for (const f of facts) {
      const objectNorm = normalizeObject(f.object, f.predicate);
      const windowed = f.exclusive && !f.negated;
      const plan = windowed ? planWindow(this.store.slot(userId, f.subject, f.predicate, f.predicate === "has" ? objectNorm : null), f.validAt) : null;
      const id = this.store.insert({
        userId,
        memoryId: memory.id,
        subject: f.subject,
        predicate: f.predicate,
        object: f.object,
        objectNorm,
        negated: f.negated,
        exclusive: f.exclusive,
        quantity: f.quantity,
        unit: f.unit,
        dateRef: f.dateRef,
        validAt: f.validAt,
        invalidAt: plan?.end?.at ?? null,
        invalidatedBy: plan?.end?.by ?? null,
        confidence: f.confidence,
        episodeId: memory.episodeId,
        method,
        createdAt: now,
      });
      for (const closed of plan?.close ?? []) this.store.close(userId, closed, f.validAt, id);
      stateUpdates += plan?.close.length ?? 0;
      factIds.push(id);
    }
    // A correction (or deduplication, or a materialized growth observation) closes the replaced
    // memory's facts in its own transaction, but the replacement's facts only exist once this
    // post-store extraction runs. So the closed facts keep invalidated_by null until then: the
    // `supersedes` link from this memory is the pending link, and its first fact is named here,
    // in the transaction that writes it (contracts/intelligence.md §5.3). A replacement without
    // facts leaves them null: no fact ended them.
    const first = factIds[0];
    if (first !== undefined) this.store.creditSupersession(userId, memory.id, first);
    this.store.recordExtraction(userId, memory.id, method, factIds.length, now);
    const result: ExtractionResult = {
      memoryId: memory.id,
      factIds,
      facts: factIds.length,
      preferences: facts.filter((f) => f.predicate === "likes").length,
      stateUpdates,
      contradictions: 0,
      method,
      already: false,
    };
    return { result, pairs: factIds.length > 0 ? this.store.pairsOf(userId, factIds) : [] };
  }

  /** Contradictions of the pairs (after the LLM's same-value check), each linked newer → older. */
  private async record(userId: number, pairs: readonly FactPair[], background: boolean): Promise<Contradiction[]> {
    const found = await this.confirmed(pairs, background);
    const now = isoNow(this.ctx);
    this.ctx.db.sqlite.transaction(() => {
      for (const c of found) {
        // Either memory may have been deleted meanwhile; a link needs both ends.
        if (this.memories.find(userId, c.memoryA) && this.memories.find(userId, c.memoryB)) {
          this.links.insert(userId, { sourceId: c.memoryB, targetId: c.memoryA, type: "contradicts", similarity: c.confidence }, now);
        }
      }
    })();
    return found;
  }

  /** The pairs' contradictions, less the value pairs the LLM (when set) says name one thing. */
  private async confirmed(pairs: readonly FactPair[], background: boolean): Promise<Contradiction[]> {
    const out: Contradiction[] = [];
    let asked = 0;
    for (const p of pairs) {
      const c = toContradiction(p);
      if (!c) continue;
      if (c.kind === "value" && this.llm.sameValue && asked < MAX_SAME_VALUE_CALLS) {
        const same = await this.llm.sameValue(c, background).catch(() => null);
        if (same !== null) asked += 1;
        if (same === true) continue;
      }
      out.push(c);
    }
    return out;
  }

  /** GET /facts; a foreign `memoryId` is a 404. */
  list(userId: number, filter: FactFilter): FactRow[] {
    if (filter.memoryId !== undefined) this.memory(userId, filter.memoryId);
    return this.store.list(userId, filter);
  }

  /** The facts of these memories, oldest first. */
  ofMemories(userId: number, memoryIds: readonly number[]): FactRow[] {
    return this.store.ofMemories(userId, memoryIds);
  }

  /** Every contradiction among the user's live memories (or one subject's), newest first. */
  async contradictions(userId: number, opts: { limit: number; subject?: string | undefined }): Promise<Contradiction[]> {
    return this.confirmed(this.store.scan(userId, opts.subject?.toLowerCase(), opts.limit), false);
  }

  /** The contradictions that involve the memory, this memory as `a`; records any missing `contradicts` link. */
  async contradictionsOf(userId: number, memoryId: number): Promise<Contradiction[]> {
    this.memory(userId, memoryId);
    const found = await this.record(userId, this.store.pairsOfMemoryId(userId, memoryId), false);
    return found.map((c) =>
      c.memoryA === memoryId ? c : { ...c, memoryA: c.memoryB, memoryB: c.memoryA, objectA: c.objectB, objectB: c.objectA, factA: c.factB, factB: c.factA, description: `Conflicting ${c.predicate}: '${c.objectB}' vs '${c.objectA}' (subject: ${c.subject})` },
    );
  }

  /** Runs the extractor on up to `limit` of the user's memories it never ran on (POST /admin/backfill-facts). */
  async backfill(userId: number, limit: number): Promise<{ processed: number; factsCreated: number }> {
    let processed = 0;
    let factsCreated = 0;
    for (const id of this.store.untriedMemories(userId, limit)) {
      const r = await this.extract(userId, id);
      processed += 1;
      factsCreated += r.already ? 0 : r.facts;
      // Extraction is synchronous work: yield between memories so requests keep being served.
      if (processed % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    return { processed, factsCreated };
  }
}
