import { randomUUID } from "node:crypto";
import { isoNow, type CoreContext } from "../../context.js";
import type { ApprovalRow } from "../../db/index.js";
import { conflict, notFound } from "../../errors.js";
import { ApprovalStore, type ApprovalStatus } from "./store.js";

/**
 * Human approvals (contracts/intelligence.md §5.8): an action waits for a person's decision
 * within a window. A check that waits on one (the gate's step 8) is a promise resolved by the
 * decision or by a timer, so a waiting request holds no thread and the server keeps answering.
 */
export interface NewApproval {
  action: string;
  requester: string;
  context?: string | undefined;
  windowSecs: number;
}

export type Decision = "approved" | "denied";

/** What a wait ends with: the decision, or "timeout" when the wait ran out first. */
export type WaitOutcome = { status: Decision | "expired"; approval: ApprovalRow } | { status: "timeout" };

export const DEFAULT_APPROVAL_WINDOW_SECS = 120;

export class ApprovalService {
  private readonly rows: ApprovalStore;
  /** Waiting checks by approval id; a decision resolves every one of them. */
  private readonly waiters = new Map<string, Set<(row: ApprovalRow) => void>>();

  constructor(private readonly ctx: CoreContext) {
    this.rows = new ApprovalStore(ctx.db);
  }

  create(userId: number, input: NewApproval): ApprovalRow {
    const now = this.ctx.clock.now();
    return this.rows.insert({
      id: randomUUID(),
      userId,
      action: input.action,
      context: input.context ?? null,
      requester: input.requester,
      status: "pending",
      decisionBy: null,
      decisionReason: null,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + input.windowSecs * 1000).toISOString(),
      decidedAt: null,
    });
  }

  /** The user's pending approvals, soonest expiry first, after marking the overdue ones expired. */
  pending(userId: number): { approvals: ApprovalRow[]; expiredCount: number } {
    return this.ctx.db.sqlite.transaction(() => {
      const expiredCount = this.rows.expireOverdue(userId, isoNow(this.ctx));
      return { approvals: this.rows.pending(userId), expiredCount };
    })();
  }

  /** One approval; a pending one past its window reads as expired (and is marked so). */
  get(userId: number, id: string): ApprovalRow {
    return this.ctx.db.sqlite.transaction(() => {
      this.rows.expireOverdue(userId, isoNow(this.ctx));
      const row = this.rows.find(userId, id);
      if (!row) throw notFound("approval");
      return row;
    })();
  }

  /** Decides a pending approval and wakes whoever waits on it; 409 when it is settled or its window closed. */
  decide(userId: number, id: string, decision: Decision, decidedBy: string | undefined, reason: string | undefined): ApprovalRow {
    const decided = this.ctx.db.sqlite.transaction(() => {
      const now = isoNow(this.ctx);
      this.rows.expireOverdue(userId, now);
      const row = this.rows.find(userId, id);
      if (!row) throw notFound("approval");
      if (row.status !== "pending") throw conflict(`approval ${id} is ${row.status}, not pending`);
      return this.rows.decide(userId, id, { status: decision, decisionBy: decidedBy ?? null, decisionReason: reason ?? null, decidedAt: now })!;
    })();
    for (const wake of this.waiters.get(id) ?? []) wake(decided);
    this.waiters.delete(id);
    return decided;
  }

  /**
   * Waits up to `waitMs` for a decision on the user's approval. Resolves at once when it is
   * already settled; never rejects. The timer is unref'd so a wait never holds the process open.
   */
  waitForDecision(userId: number, id: string, waitMs: number): Promise<WaitOutcome> {
    const now = this.get(userId, id);
    if (now.status !== "pending") return Promise.resolve({ status: settled(now.status), approval: now });
    // Past the window no decision can come, so the wait ends with it at the latest.
    const wait = Math.min(waitMs, Date.parse(now.expiresAt) - this.ctx.clock.now().getTime());
    if (wait <= 0) return Promise.resolve({ status: "timeout" });
    return new Promise((resolve) => {
      const set = this.waiters.get(id) ?? new Set();
      const wake = (row: ApprovalRow) => {
        clearTimeout(timer);
        resolve({ status: settled(row.status as Exclude<ApprovalStatus, "pending">), approval: row });
      };
      const timer = setTimeout(() => {
        set.delete(wake);
        if (set.size === 0) this.waiters.delete(id);
        resolve({ status: "timeout" });
      }, wait);
      timer.unref();
      set.add(wake);
      this.waiters.set(id, set);
    });
  }
}

/** A settled approval's status (callers pass only settled rows: a wait ends on a decision or the window's close). */
const settled = (s: Exclude<ApprovalStatus, "pending">): Decision | "expired" => s;

/** Seconds until the window closes (0 once closed or settled). */
export function secondsRemaining(row: ApprovalRow, now: Date): number {
  if (row.status !== "pending") return 0;
  return Math.max(0, Math.ceil((Date.parse(row.expiresAt) - now.getTime()) / 1000));
}
