import { matchedRoute } from "../route-path.js";
import type { Engram } from "@engram/core";
import type { Logger } from "pino";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.js";
import { clientAddress, clientKey } from "../client-address.js";

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Records every mutation attempt, refused ones included: who (user, key), what (method,
 * route pattern, target ids), when, from where, and how it ended. Refusals anyone can cause
 * at will (failed authentication, rate limits, anything refused before a key was accepted)
 * are counted instead, one row per client address, minute, status and key, whatever the
 * method: a flood of them costs a counter, not a row each.
 */
export function audit(engram: Engram, log: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const status = c.res.status;
    if (status === 404) return;
    const principal = c.get("principal");
    const address = clientAddress(c);
    try {
      if (status === 401 || status === 429 || (!principal && status >= 400)) {
        engram.audit.recordRefusal({
          userId: principal?.user.id ?? null,
          keyId: principal?.keyId ?? null,
          status,
          remoteAddr: address === null ? null : clientKey(address),
        });
        return;
      }
      if (READ_METHODS.has(c.req.method)) return;
      const pathId = Number(c.req.param("id"));
      engram.audit.record({
        userId: principal?.user.id ?? null,
        keyId: principal?.keyId ?? null,
        method: c.req.method,
        route: matchedRoute(c),
        targetIds: c.get("auditTargets") ?? (Number.isInteger(pathId) && pathId > 0 ? [pathId] : []),
        status,
        remoteAddr: address,
      });
    } catch (err) {
      log.error({ err }, "audit write failed");
    }
  };
}
