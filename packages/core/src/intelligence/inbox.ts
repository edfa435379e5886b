import type { Principal } from "../auth/index.js";
import { hasScope } from "../auth/index.js";
import type { MemoryRow } from "../db/index.js";
import { EngramError } from "../errors.js";
import type { MemoryService, PendingEdit } from "../memory/index.js";
import type { GuardrailsConfig } from "./config.js";

/**
 * The review inbox (contracts/intelligence.md §5.9): memories that wait as `pending` until a
 * person approves, edits or rejects them. A pending memory is stored whole (with its vector)
 * but is not live: search, recall, context, the guard and the list leave it out, and its
 * auto-links and post-store work wait for the approval, which enqueues them.
 */
export type BulkAction = "approve" | "reject";

export interface BulkResult {
  action: BulkAction;
  /** How many ids were acted on. */
  count: number;
  ids: number[];
  failed: { id: number; error: string }[];
}

export class InboxService {
  constructor(
    private readonly memories: MemoryService,
    private readonly config: Pick<GuardrailsConfig, "reviewRequired">,
  ) {}

  /**
   * The review state a write lands in: pending when the request asks for it (`review_status`
   * or its alias `status`), when the key was created with review_required, or when
   * ENGRAM_REVIEW_REQUIRED is on and the key is not an admin's. Every write route that stores
   * memories (/store, /add, /ingest...) passes its request through this.
   */
  statusFor(principal: Principal, requested: { review_status?: string | undefined; status?: string | undefined }): "approved" | "pending" {
    if (requested.review_status === "pending" || requested.status === "pending") return "pending";
    if (principal.reviewRequired) return "pending";
    if (this.config.reviewRequired && !hasScope(principal.scopes, "admin")) return "pending";
    return "approved";
  }

  list(userId: number, limit: number, offset: number): { rows: MemoryRow[]; total: number } {
    return this.memories.pending(userId, limit, offset);
  }

  approve(userId: number, id: number): MemoryRow {
    return this.memories.approve(userId, id);
  }

  reject(userId: number, id: number, reason: string | undefined): MemoryRow {
    return this.memories.reject(userId, id, reason);
  }

  edit(userId: number, id: number, patch: PendingEdit, vector: Float32Array | null): MemoryRow {
    return this.memories.editPending(userId, id, patch, vector);
  }

  /** Tries every id; a missing, foreign or not-pending one lands in `failed` and the others still go through. */
  bulk(userId: number, ids: readonly number[], action: BulkAction, reason: string | undefined): BulkResult {
    const done: number[] = [];
    const failed: { id: number; error: string }[] = [];
    for (const id of new Set(ids)) {
      try {
        if (action === "approve") this.approve(userId, id);
        else this.reject(userId, id, reason);
        done.push(id);
      } catch (err) {
        if (!(err instanceof EngramError)) throw err;
        failed.push({ id, error: err.kind === "not_found" ? "memory not found" : err.message });
      }
    }
    return { action, count: done.length, ids: done, failed };
  }
}
