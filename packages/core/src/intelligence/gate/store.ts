import { and, asc, eq, lte } from "drizzle-orm";
import type { Db } from "../../db/connection.js";
import { approvals, gateRequests, type ApprovalRow, type GateRequestRow } from "../../db/schema.js";

export type GateStatus = GateRequestRow["status"];
export type ApprovalStatus = ApprovalRow["status"];
export type NewGateRequest = Omit<GateRequestRow, "id">;

/** The gate's checks (gate_requests) and the approvals they wait on; every statement is scoped to its tenant. */
export class GateStore {
  constructor(private readonly db: Db) {}

  insert(row: NewGateRequest): GateRequestRow {
    return this.db.orm.insert(gateRequests).values(row).returning().get();
  }

  find(userId: number, id: number): GateRequestRow | undefined {
    return this.db.orm.select().from(gateRequests).where(and(eq(gateRequests.id, id), eq(gateRequests.userId, userId))).get();
  }

  update(userId: number, id: number, patch: Partial<Pick<GateRequestRow, "status" | "reason" | "output" | "updatedAt">>): GateRequestRow | undefined {
    return this.db.orm.update(gateRequests).set(patch).where(and(eq(gateRequests.id, id), eq(gateRequests.userId, userId))).returning().get();
  }
}

export class ApprovalStore {
  constructor(private readonly db: Db) {}

  insert(row: ApprovalRow): ApprovalRow {
    return this.db.orm.insert(approvals).values(row).returning().get();
  }

  find(userId: number, id: string): ApprovalRow | undefined {
    return this.db.orm.select().from(approvals).where(and(eq(approvals.id, id), eq(approvals.userId, userId))).get();
  }

  /** The user's pending approvals, soonest expiry first. */
  pending(userId: number): ApprovalRow[] {
    return this.db.orm
      .select()
      .from(approvals)
      .where(and(eq(approvals.userId, userId), eq(approvals.status, "pending")))
      .orderBy(asc(approvals.expiresAt), asc(approvals.createdAt))
      .all();
  }

  /** Marks the user's pending approvals whose window closed at or before `now` as expired; returns how many. */
  expireOverdue(userId: number, now: string): number {
    return this.db.orm
      .update(approvals)
      .set({ status: "expired" })
      .where(and(eq(approvals.userId, userId), eq(approvals.status, "pending"), lte(approvals.expiresAt, now)))
      .run().changes;
  }

  /** Settles a pending approval; undefined when it was not pending (someone decided first). */
  decide(userId: number, id: string, patch: Pick<ApprovalRow, "status" | "decisionBy" | "decisionReason" | "decidedAt">): ApprovalRow | undefined {
    return this.db.orm
      .update(approvals)
      .set(patch)
      .where(and(eq(approvals.id, id), eq(approvals.userId, userId), eq(approvals.status, "pending")))
      .returning()
      .get();
  }
}
