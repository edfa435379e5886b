import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, jsonBody, scoped, timestamp } from "./define.js";

/**
 * Instance administration (contracts/platform.md §8), admin scope: server settings, maintenance
 * mode (enforced by middleware/maintenance.ts), the job counts, the scale report and the count of
 * memories old enough for cold storage.
 */

const settingsSchema = z.record(z.string(), z.string()).describe("Server settings, key to value (JSON text for values that were not strings)");
const maintenanceSchema = z.object({ enabled: z.boolean(), message: z.string().nullable(), since: timestamp.nullable() }).meta({ id: "Maintenance" });
const maintenanceBody = z.object({
  enabled: z.boolean({ error: "must be true or false" }),
  message: z.string().trim().min(1, "must not be empty").max(500, "must be at most 500 characters").optional(),
});
const coldQuery = z.object({
  days: z.coerce.number({ error: "must be a number" }).int("must be an integer").min(1, "must be between 1 and 3650").max(3650, "must be between 1 and 3650").default(90),
});

export function registerAdminRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { admin, jobs } = deps.engram;

  app.openapi(
    createRoute({ method: "get", path: "/admin/settings", tags: ["admin"], summary: "Server settings (tenant state left out)", middleware: scoped("admin"), responses: { 200: json(settingsSchema, "settings"), ...errors(401, 403) } }),
    (c) => c.json(admin.settings(), 200),
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/admin/settings",
      tags: ["admin"],
      summary: "Store settings: strings as they are, other values as JSON text; a bad or reserved key refuses the whole body",
      middleware: scoped("admin"),
      request: jsonBody(z.record(z.string(), z.unknown())),
      responses: { 200: json(z.object({ updated: z.number().int() }), "how many keys were stored"), ...errors(400, 401, 403) },
    }),
    (c) => c.json({ updated: admin.updateSettings(c.req.valid("json")) }, 200),
  );

  app.openapi(
    createRoute({ method: "get", path: "/admin/maintenance", tags: ["admin"], summary: "Whether maintenance mode is on", middleware: scoped("admin"), responses: { 200: json(maintenanceSchema, "the state"), ...errors(401, 403) } }),
    (c) => c.json(admin.maintenance(), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/maintenance",
      tags: ["admin"],
      summary: "Turn maintenance mode on (writes by non-admin keys answer 503) or off",
      middleware: scoped("admin"),
      request: jsonBody(maintenanceBody),
      responses: { 200: json(maintenanceSchema, "the new state"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const b = c.req.valid("json");
      return c.json(admin.setMaintenance(b.enabled, b.message ?? null), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/admin/tasks",
      tags: ["admin"],
      summary: "Background jobs of every tenant, by status",
      middleware: scoped("admin"),
      responses: { 200: json(z.object({ pending: z.number().int(), running: z.number().int(), completed: z.number().int(), failed: z.number().int() }), "job counts"), ...errors(401, 403) },
    }),
    (c) => {
      const { pending, running, completed, failed } = jobs.stats({ kind: "all" });
      return c.json({ pending, running, completed, failed }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/admin/scale-report",
      tags: ["admin"],
      summary: "Rows in every table and the database's size",
      middleware: scoped("admin"),
      responses: { 200: json(z.object({ table_counts: z.record(z.string(), z.number().int()), database_size_bytes: z.number().int() }), "the report"), ...errors(401, 403) },
    }),
    (c) => c.json(admin.scaleReport(), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/admin/cold-storage",
      tags: ["admin"],
      summary: "How many latest memories, neither forgotten nor archived, are older than `days` (default 90)",
      middleware: scoped("admin"),
      request: { query: coldQuery },
      responses: { 200: json(z.object({ eligible_count: z.number().int(), threshold_days: z.number().int() }), "the count"), ...errors(400, 401, 403) },
    }),
    (c) => c.json(admin.coldStorage(c.req.valid("query").days), 200),
  );
}
