import { EngramError, hasScope, type Scope } from "@engram/core";
import type { MiddlewareHandler } from "hono";
import type { AppEnv, ServerDeps } from "../env.js";
import { matchedRoute } from "../route-path.js";

/** Probes and docs: anyone may call them, and the limit of failed authentications never blocks them. */
const PROBE_PATHS = new Set(["/health", "/health/live", "/health/ready", "/ready", "/live", "/openapi.json", "/docs", "/docs/openapi.json"]);

export function isProbePath(path: string): boolean {
  return PROBE_PATHS.has(path);
}

/**
 * Resolves the bearer key to a principal; in open-access mode an absent key means user 1.
 * Without a key: the probes, the one-time bootstrap (it checks its own secret) and, when
 * ENGRAM_METRICS_PUBLIC=1, /metrics.
 */
export function authenticate(deps: ServerDeps, opts: { metricsPublic: boolean }): MiddlewareHandler<AppEnv> {
  const isPublic = (path: string) => isProbePath(path) || path === "/bootstrap" || (opts.metricsPublic && path === "/metrics");
  return async (c, next) => {
    // Unknown routes fall through to the JSON 404 instead of asking for a key.
    if (isPublic(c.req.path) || matchedRoute(c) === "unmatched") return next();
    const header = c.req.header("authorization");
    const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match) {
      if (deps.openAccess && !header) {
        c.set("principal", deps.engram.auth.openAccessPrincipal());
        return next();
      }
      throw new EngramError("unauthorized", header ? "Authorization header must be 'Bearer <key>'" : "missing API key");
    }
    c.set("principal", deps.engram.auth.authenticate(match[1]!));
    return next();
  };
}

/** Per-route scope check; runs after authentication. */
export function requireScope(scope: Scope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!hasScope(c.get("principal").scopes, scope)) {
      throw new EngramError("forbidden", `this key lacks the ${scope} scope`);
    }
    c.set("requiredScope", scope);
    return next();
  };
}
