import { isoNow, type CoreContext } from "../context.js";
import { EngramError } from "../errors.js";
import type { MemoryEvents } from "../events/index.js";
import { linkStore, type MemoryService } from "../memory/index.js";
import type { BatchOp, BatchOpName } from "./schemas.js";

export type BatchOpResult =
  | { stored: true; id: number }
  | { stored: false; duplicate: true; existing_id: number }
  | { id: number; previous_id: number; updated: true }
  | { linked: true; source_id: number; target_id: number };

export interface BatchResult {
  results: { index: number; op: BatchOpName; result: BatchOpResult }[];
  /** Every memory id an op touched, for the audit row. */
  touched: number[];
}

/** The op that stopped a batch, and why; everything before it was rolled back. */
export class BatchOpFailed extends Error {
  override name = "BatchOpFailed";
  constructor(
    readonly index: number,
    readonly op: BatchOpName,
    override readonly cause: EngramError,
  ) {
    super(`ops[${index}] (${op}): ${cause.message}`);
  }
}

/**
 * POST /batch: stores, updates and links run in order in one transaction. The first op that
 * fails rolls back every earlier one; what the other subsystems hear of the writes (vector
 * index, caches) waits for the commit (MemoryEvents). Vectors are computed before, by the caller,
 * one per store and per update that changes the content, by op index.
 */
export class BatchService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly memories: MemoryService,
    private readonly events: MemoryEvents,
  ) {}

  run(userId: number, ops: readonly BatchOp[], vectors: ReadonlyMap<number, Float32Array | null>): BatchResult {
    return this.ctx.db.sqlite.transaction((): BatchResult => {
      const results: BatchResult["results"] = [];
      const touched: number[] = [];
      ops.forEach((op, index) => {
        let result: BatchOpResult;
        try {
          result = this.one(userId, op, vectors.get(index) ?? null);
        } catch (err) {
          if (err instanceof EngramError) throw new BatchOpFailed(index, op.op, err);
          throw err;
        }
        touched.push(...idsOf(result));
        results.push({ index, op: op.op, result });
      });
      return { results, touched };
    })();
  }

  private one(userId: number, op: BatchOp, vector: Float32Array | null): BatchOpResult {
    switch (op.op) {
      case "store": {
        const r = this.memories.store(userId, { ...op.body, embedding: null, forget_after: undefined, ttl_secs: undefined }, vector);
        return r.kind === "stored" ? { stored: true, id: r.memory.id } : { stored: false, duplicate: true, existing_id: r.existingId };
      }
      case "update": {
        const { id, ...patch } = op.body;
        const row = this.memories.update(userId, id, patch, vector);
        return { id: row.id, previous_id: id, updated: true };
      }
      case "link": {
        const { source_id, target_id, similarity, type } = op.body;
        // Both ends must be the caller's: another tenant's id is a 404 like a missing one.
        this.memories.get(userId, source_id);
        this.memories.get(userId, target_id);
        linkStore(this.ctx.db).insert(userId, { sourceId: source_id, targetId: target_id, type, similarity }, isoNow(this.ctx));
        this.events.emitChanged({ userId, changes: [{ kind: "ranking" }] });
        return { linked: true, source_id, target_id };
      }
    }
  }
}

function idsOf(r: BatchOpResult): number[] {
  if ("linked" in r) return [r.source_id, r.target_id];
  if ("updated" in r) return [r.id, r.previous_id];
  return "existing_id" in r ? [r.existing_id] : [r.id];
}
