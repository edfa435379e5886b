import { matchedRoute } from "../route-path.js";
import { AuditedRequest, type Engram } from "@engram/core";
import type { Logger } from "pino";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.js";
import { clientAddress, clientKey } from "../client-address.js";

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Records every mutation attempt, refused ones included: who (user, key), what (method,
 * route pattern, target ids), when, from where, and how it ended. A mutation's row is written
 * in the transaction of the mutation itself (the first one the request commits), then given
 * its answer: a crash between the commit and the answer cannot lose the record of a write.
 * Refusals anyone can cause at will (failed authentication, rate limits, anything refused
 * before a key was accepted) are counted instead, one row per client address, minute, status
 * and key, whatever the method: a flood of them costs a counter, not a row each.
 */
export function audit(engram: Engram, log: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const request = new AuditedRequest(() => (READ_METHODS.has(c.req.method) ? null : entry(c)));
    await engram.audit.run(request, next);
    // From here on, what the request started and commits later is not written as its row.
    request.answered = true;
    const status = c.res.status;
    try {
      // A committed mutation is recorded whatever the answer.
      if (request.rowId !== null) return engram.audit.answer(request, { ...entry(c), status });
      if (status === 404) return;
      const principal = c.get("principal");
      if (status === 401 || status === 429 || (!principal && status >= 400)) {
        const address = clientAddress(c);
        engram.audit.recordRefusal({
          userId: principal?.user.id ?? null,
          keyId: principal?.keyId ?? null,
          status,
          remoteAddr: address === null ? null : clientKey(address),
        });
        return;
      }
      if (isRead(c)) return;
      engram.audit.answer(request, { ...entry(c), status });
    } catch (err) {
      log.error({ err }, "audit write failed");
    }
  };
}

/**
 * Reads are not mutations: GET and its kin, and the POSTs that need only the read scope
 * (search, recall, context), unless the handler named what it touched (the guard names the
 * rules it checked). Whatever a read does commit is still recorded, in that transaction.
 */
function isRead(c: Context<AppEnv>): boolean {
  return READ_METHODS.has(c.req.method) || (c.get("requiredScope") === "read" && c.get("auditTargets") === undefined);
}

/** Who, what and from where; the targets are the ids the handler reported, else the path's id. */
function entry(c: Context<AppEnv>) {
  const principal = c.get("principal");
  const pathId = Number(c.req.param("id"));
  return {
    userId: principal?.user.id ?? null,
    keyId: principal?.keyId ?? null,
    method: c.req.method,
    route: matchedRoute(c),
    targetIds: c.get("auditTargets") ?? (Number.isInteger(pathId) && pathId > 0 ? [pathId] : []),
    remoteAddr: clientAddress(c),
  };
}
