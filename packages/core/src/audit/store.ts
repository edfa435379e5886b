import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import type { Db } from "../db/connection.js";
import { auditLog, type AuditRow } from "../db/schema.js";
import { unsyncedCommits } from "../db/unsynced-commits.js";

export type NewAuditRow = typeof auditLog.$inferInsert;

/** Refusals of one client address in one minute with one status and key, and how many. */
export interface RefusalCount {
  remoteAddr: string | null;
  /** The minute's start, ISO-8601: the row's created_at. */
  minute: string;
  status: number;
  userId: number | null;
  keyId: number | null;
  count: number;
}

/** The route aggregated refusal rows carry: they stand for requests to any route. */
export const REFUSAL_ROUTE = "*";

/** Every statement on audit_log; the fixed ones are prepared once. */
export class AuditStore {
  private readonly bump;
  private readonly insertStmt;
  private readonly answerStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.sqlite.prepare(
      `INSERT INTO audit_log (user_id, key_id, method, route, target_ids, status, remote_addr, created_at, count)
       VALUES (@userId, @keyId, @method, @route, @targetIds, @status, @remoteAddr, @createdAt, @count)`,
    );
    this.answerStmt = db.sqlite.prepare(`UPDATE audit_log SET status = ?, target_ids = ? WHERE id = ?`);
    // `IS` matches NULL to NULL: a keyless refusal has no user or key, and may lack an address.
    this.bump = db.sqlite.prepare(
      `UPDATE audit_log SET count = count + ?
       WHERE route = '${REFUSAL_ROUTE}' AND remote_addr IS ? AND created_at = ? AND status = ? AND user_id IS ? AND key_id IS ?`,
    );
  }

  /** Returns the new row's id. */
  insert(row: NewAuditRow): number {
    const { lastInsertRowid } = this.insertStmt.run({
      userId: row.userId ?? null,
      keyId: row.keyId ?? null,
      method: row.method,
      route: row.route,
      targetIds: JSON.stringify(row.targetIds),
      status: row.status,
      remoteAddr: row.remoteAddr ?? null,
      createdAt: row.createdAt,
      count: row.count ?? 1,
    });
    return Number(lastInsertRowid);
  }

  /** Sets the answer of a row written before the request answered (its status, the ids the handler reported); false if no such row. */
  answer(id: number, status: number, targetIds: readonly number[]): boolean {
    // Lost to a power cut, the row keeps the status 0 that says
    // "committed, not answered", and the mutation it records was synced with the row.
    return unsyncedCommits(this.db, () => this.answerStmt.run(status, JSON.stringify(targetIds), id).changes > 0);
  }

  /** Adds each count to its (address, minute, status, key) row, creating the row the first time; one transaction. */
  addRefusals(counts: readonly RefusalCount[]): void {
    this.db.sqlite.transaction(() => {
      for (const r of counts) {
        const { changes } = this.bump.run(r.count, r.remoteAddr, r.minute, r.status, r.userId, r.keyId);
        if (changes > 0) continue;
        this.insert({
          userId: r.userId,
          keyId: r.keyId,
          method: "*",
          route: REFUSAL_ROUTE,
          targetIds: [],
          status: r.status,
          remoteAddr: r.remoteAddr,
          createdAt: r.minute,
          count: r.count,
        });
      }
    })();
  }

  /** Newest first; `beforeId` pages backwards through history. */
  list(opts: { limit: number; userId?: number | undefined; beforeId?: number | undefined }): AuditRow[] {
    const conds: SQL[] = [];
    if (opts.userId !== undefined) conds.push(eq(auditLog.userId, opts.userId));
    if (opts.beforeId !== undefined) conds.push(lt(auditLog.id, opts.beforeId));
    return this.db.orm
      .select()
      .from(auditLog)
      .where(and(...conds))
      .orderBy(desc(auditLog.id))
      .limit(opts.limit)
      .all();
  }
}
