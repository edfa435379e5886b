import { matchedRoute } from "../route-path.js";
import type { Engram } from "@engram/core";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Logger } from "pino";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.js";

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Records every mutation attempt, refused ones included: who (user, key), what (method,
 * route pattern, target ids), when, from where, and how it ended.
 */
export function audit(engram: Engram, log: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (READ_METHODS.has(c.req.method) || c.res.status === 404) return;
    const principal = c.get("principal");
    const pathId = Number(c.req.param("id"));
    const targets = c.get("auditTargets") ?? (Number.isInteger(pathId) && pathId > 0 ? [pathId] : []);
    let remoteAddr: string | null = null;
    try {
      remoteAddr = getConnInfo(c).remote.address ?? null;
    } catch {
      // No socket behind this request (app.request in-process): nothing to record.
    }
    try {
      engram.audit.record({
        userId: principal?.user.id ?? null,
        keyId: principal?.keyId ?? null,
        method: c.req.method,
        route: matchedRoute(c),
        targetIds: targets,
        status: c.res.status,
        remoteAddr,
      });
    } catch (err) {
      log.error({ err }, "audit write failed");
    }
  };
}
