import { hasScope, type AdminService } from "@engram/core";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.js";

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Maintenance mode (contracts/platform.md §8): while an admin has it on, every write by a key
 * without the admin scope answers 503 with the admin's message and `Retry-After: 60`; reads and
 * admin keys pass, so the admin can work and turn it off.
 */
export function maintenanceMode(admin: AdminService): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const state = admin.maintenance();
    if (!state.enabled || READ_METHODS.has(c.req.method)) return next();
    const principal = c.get("principal");
    if (principal && hasScope(principal.scopes, "admin")) return next();
    c.header("Retry-After", "60");
    return c.json({ error: state.message ?? "maintenance in progress" }, 503);
  };
}
