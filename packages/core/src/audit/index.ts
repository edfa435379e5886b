/** The audit subsystem's public face: the log of every request's outcome. */
import type { CoreContext } from "../context.js";
import { AuditLog } from "./audit-log.js";

export { AuditLog, AuditedRequest, UNANSWERED_STATUS, type AuditEntry, type Refusal } from "./audit-log.js";

export function createAudit(ctx: CoreContext, deps: { log?: { warn(obj: object, msg: string): void } } = {}): AuditLog {
  return new AuditLog(ctx, deps.log);
}
