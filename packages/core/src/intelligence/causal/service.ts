import { isoNow, type CoreContext } from "../../context.js";
import { invalid, notFound } from "../../errors.js";
import type { MemoryEvents } from "../../events/index.js";
import { linkStore, type LinkStore, type MemoryService } from "../../memory/index.js";
import { matchCausalClues } from "./detect.js";
import { CausalStore, type CausalChainRow, type CausalLinkRow } from "./store.js";

export type CausalChain = CausalChainRow & { links: CausalLinkRow[] };

export interface CausalAncestor {
  memory_id: number;
  depth: number;
  /** The weakest link on the strongest shallowest path from the memory to this ancestor. */
  strength_min: number;
}

/** How far back, and how many memories before it, the detector compares a new memory with. */
const DETECT_WINDOW_MS = 30 * 24 * 3600 * 1000;
const DETECT_CANDIDATES = 50;
/** The backward walk stops at this many ancestors, whatever the depth asked. */
const MAX_ANCESTORS = 1000;

/** Causal chains and links between one tenant's memories; each link mirrored as a caused_by memory link. */
export class CausalService {
  private readonly store: CausalStore;
  private readonly memoryLinks: LinkStore;

  constructor(
    private readonly ctx: CoreContext,
    private readonly memories: MemoryService,
    private readonly events: MemoryEvents,
  ) {
    this.store = new CausalStore(ctx.db);
    this.memoryLinks = linkStore(ctx.db);
  }

  private ownMemory(userId: number, id: number, field: string): void {
    const m = this.memories.find(userId, id);
    if (!m || m.isForgotten) throw notFound(`${field} ${id}: memory`);
  }

  createChain(userId: number, input: { root_memory_id?: number | undefined; description?: string | undefined }): CausalChain {
    if (input.root_memory_id !== undefined) this.ownMemory(userId, input.root_memory_id, "root_memory_id");
    const chain = this.store.createChain(userId, input.root_memory_id ?? null, input.description ?? null, 1, isoNow(this.ctx));
    return { ...chain, links: [] };
  }

  chains(userId: number, limit: number): CausalChain[] {
    return this.store.chains(userId, limit).map((c) => ({ ...c, links: this.store.links(userId, c.id) }));
  }

  chain(userId: number, id: number): CausalChain {
    const chain = this.store.chain(userId, id);
    if (!chain) throw notFound("causal chain");
    return { ...chain, links: this.store.links(userId, id) };
  }

  /** Adds cause → effect to the chain and the caused_by memory link effect → cause, in one transaction. */
  addLink(
    userId: number,
    input: { chain_id: number; cause_memory_id: number; effect_memory_id: number; strength: number; order_index: number },
  ): CausalLinkRow {
    if (input.cause_memory_id === input.effect_memory_id) throw invalid("effect_memory_id", "must differ from cause_memory_id");
    const link = this.ctx.db.sqlite.transaction(() => {
      if (!this.store.chain(userId, input.chain_id)) throw notFound(`chain_id ${input.chain_id}: causal chain`);
      this.ownMemory(userId, input.cause_memory_id, "cause_memory_id");
      this.ownMemory(userId, input.effect_memory_id, "effect_memory_id");
      return this.insertMirrored(userId, input);
    })();
    this.events.emitChanged({ userId, changes: [{ kind: "ranking" }] });
    return link;
  }

  private insertMirrored(userId: number, l: Omit<CausalLinkRow, "id" | "created_at">): CausalLinkRow {
    const now = isoNow(this.ctx);
    const row = this.store.insertLink(userId, l, now);
    this.memoryLinks.insert(userId, { sourceId: l.effect_memory_id, targetId: l.cause_memory_id, type: "caused_by", similarity: l.strength }, now);
    return row;
  }

  /**
   * Breadth-first from the memory back through its causes, up to `maxDepth` steps: each ancestor
   * at its shallowest depth, and at that depth by its strongest path (the path's weakest link).
   */
  backward(userId: number, memoryId: number, maxDepth: number): CausalAncestor[] {
    this.ownMemory(userId, memoryId, "memory_id");
    const found = new Map<number, CausalAncestor>([[memoryId, { memory_id: memoryId, depth: 0, strength_min: 1 }]]);
    let frontier = [memoryId];
    for (let depth = 1; depth <= maxDepth && frontier.length > 0 && found.size <= MAX_ANCESTORS; depth++) {
      const next = new Map<number, CausalAncestor>();
      for (const step of this.store.causesOf(userId, frontier)) {
        if (found.has(step.cause)) continue;
        const strength = Math.min(found.get(step.effect)!.strength_min, step.strength);
        const seen = next.get(step.cause);
        if (!seen || strength > seen.strength_min) next.set(step.cause, { memory_id: step.cause, depth, strength_min: strength });
      }
      for (const [id, a] of next) found.set(id, a);
      frontier = [...next.keys()];
    }
    found.delete(memoryId);
    return [...found.values()].slice(0, MAX_ANCESTORS);
  }

  /**
   * The post-store step: links a new memory to a recent one of the same tenant when its wording
   * says one caused the other (detect.ts). Each detection is its own chain rooted at the cause,
   * with the match's coverage as strength and confidence. Idempotent: a pair already linked is skipped.
   */
  detect(userId: number, memoryId: number): { links: number } {
    const memory = this.memories.find(userId, memoryId);
    if (!memory) return { links: 0 };
    const from = new Date(Date.parse(memory.createdAt) - DETECT_WINDOW_MS).toISOString();
    const matches = matchCausalClues(memory.content, this.store.recent(userId, memoryId, from, DETECT_CANDIDATES));
    if (matches.length === 0) return { links: 0 };
    let added = 0;
    this.ctx.db.sqlite.transaction(() => {
      for (const m of matches) {
        const [cause, effect] = m.clue.otherIs === "cause" ? [m.memoryId, memoryId] : [memoryId, m.memoryId];
        if (this.store.hasLink(userId, cause, effect)) continue;
        const description = `Detected: memory #${memoryId} says "${m.clue.marker} ${m.clue.clause.slice(0, 200)}"`;
        const chain = this.store.createChain(userId, cause, description, m.coverage, isoNow(this.ctx));
        this.insertMirrored(userId, { chain_id: chain.id, cause_memory_id: cause, effect_memory_id: effect, strength: m.coverage, order_index: 0 });
        added++;
      }
    })();
    if (added > 0) this.events.emitChanged({ userId, changes: [{ kind: "ranking" }] });
    return { links: added };
  }
}
