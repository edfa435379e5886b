import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { auditLog, type AuditRow } from "../db/schema.js";
import { isoNow, type CoreContext } from "../context.js";

export interface AuditEntry {
  userId: number | null;
  keyId: number | null;
  method: string;
  route: string;
  targetIds: number[];
  status: number;
  remoteAddr: string | null;
}

export class AuditLog {
  constructor(private readonly ctx: CoreContext) {}

  record(e: AuditEntry): void {
    this.ctx.db.orm
      .insert(auditLog)
      .values({ ...e, createdAt: isoNow(this.ctx) })
      .run();
  }

  /** Newest first; `beforeId` pages backwards through history. */
  list(opts: { limit: number; userId?: number | undefined; beforeId?: number | undefined }): AuditRow[] {
    const conds: SQL[] = [];
    if (opts.userId !== undefined) conds.push(eq(auditLog.userId, opts.userId));
    if (opts.beforeId !== undefined) conds.push(lt(auditLog.id, opts.beforeId));
    return this.ctx.db.orm
      .select()
      .from(auditLog)
      .where(and(...conds))
      .orderBy(desc(auditLog.id))
      .limit(opts.limit)
      .all();
  }
}
