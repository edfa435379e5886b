import { AsyncLocalStorage } from "node:async_hooks";
import type { AuditRow } from "../db/index.js";
import { isoNow, type CoreContext } from "../context.js";
import { AuditStore, type RefusalCount } from "./store.js";

export interface AuditEntry {
  userId: number | null;
  keyId: number | null;
  method: string;
  route: string;
  targetIds: number[];
  status: number;
  remoteAddr: string | null;
}

/** A refused request: who it was (if anyone), from where, and how it was answered. */
export type Refusal = Pick<AuditEntry, "userId" | "keyId" | "status" | "remoteAddr">;

/**
 * The status of a row written in its mutation's transaction before the request answered; the
 * answer replaces it. A row that keeps it records a mutation that committed while the process
 * ended before answering.
 */
export const UNANSWERED_STATUS = 0;

/**
 * One request, from the audit log's side. `describe` is read when the request's first
 * transaction is about to commit (the principal and route are known by then, the handler's
 * targets perhaps not yet): null for a request that is not audited as a mutation (a read).
 */
export class AuditedRequest {
  /** The row written inside the request's first committed transaction, if any. */
  rowId: number | null = null;
  /** Answered: work the request started and that commits later is not this row's business. */
  answered = false;
  constructor(readonly describe: () => Omit<AuditEntry, "status"> | null) {}
}

/**
 * Refusals are counted in memory and written at most once a second: a flood of bad keys
 * costs one commit a second, not an fsync'ed row each (3,000 bad requests in 4 s used to
 * write 3,000 rows). A crash loses at most that second's counts.
 */
const REFUSAL_FLUSH_MS = 1000;

export class AuditLog {
  private readonly store: AuditStore;
  private pending = new Map<string, RefusalCount>();
  private timer: NodeJS.Timeout | null = null;
  private readonly requests = new AsyncLocalStorage<AuditedRequest>();

  constructor(
    private readonly ctx: CoreContext,
    private readonly log: { warn(obj: object, msg: string): void } = { warn: () => {} },
  ) {
    this.store = new AuditStore(ctx.db);
    ctx.db.commitHooks.beforeCommit.push(() => this.writeInTransaction());
  }

  /**
   * Runs a request's handling so that its first committed transaction also writes its audit
   * row: a crash between the mutation and the answer cannot lose the record of the mutation.
   * `answer` completes the row (or writes it, for a request that committed nothing).
   */
  run<T>(request: AuditedRequest, fn: () => Promise<T>): Promise<T> {
    return this.requests.run(request, fn);
  }

  /** Who and what the request running now is, if it is an audited mutation. */
  currentRequest(): Omit<AuditEntry, "status"> | null {
    const request = this.requests.getStore();
    // Work a request started can outlive it (a job loop it woke keeps its context): not that request's.
    return request && !request.answered ? request.describe() : null;
  }

  /** The request's answer: completes the row its transaction wrote, or writes the whole row now. */
  answer(request: AuditedRequest, e: AuditEntry): void {
    request.answered = true;
    // The row is gone if its transaction failed after writing it (the commit itself, or a later hook).
    if (request.rowId === null || !this.store.answer(request.rowId, e.status, e.targetIds)) this.record(e);
  }

  private writeInTransaction(): void {
    const request = this.requests.getStore();
    if (!request || request.answered || request.rowId !== null) return;
    const entry = request.describe();
    if (!entry) return;
    // Counted refusals are not flushed here: a rollback of this transaction would lose them.
    request.rowId = this.store.insert({ ...entry, status: UNANSWERED_STATUS, createdAt: isoNow(this.ctx) });
  }

  /**
   * One row for one request: every mutation, refused by validation or scope included. Counted
   * refusals are written first, so rows keep the order things happened in.
   */
  record(e: AuditEntry): void {
    this.flush();
    this.store.insert({ ...e, createdAt: isoNow(this.ctx) });
  }

  /** Counts a refusal into its row: one per client address, minute, status and key. */
  recordRefusal(r: Refusal): void {
    const minute = new Date(Math.floor(this.ctx.clock.now().getTime() / 60_000) * 60_000).toISOString();
    const id = JSON.stringify([r.remoteAddr, minute, r.status, r.userId, r.keyId]);
    const entry = this.pending.get(id);
    if (entry) entry.count++;
    else this.pending.set(id, { ...r, minute, count: 1 });
    this.timer ??= setTimeout(() => {
      try {
        this.flush();
      } catch (err) {
        this.log.warn({ err }, "audit: counted refusals could not be written");
      }
    }, REFUSAL_FLUSH_MS).unref();
  }

  /** Writes the counted refusals now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const counts = [...this.pending.values()];
    this.pending = new Map();
    this.store.addRefusals(counts);
  }

  /** Newest first; `beforeId` pages backwards through history. Counted refusals are written first, so a read sees them. */
  list(opts: { limit: number; userId?: number | undefined; beforeId?: number | undefined }): AuditRow[] {
    this.flush();
    return this.store.list(opts);
  }
}
