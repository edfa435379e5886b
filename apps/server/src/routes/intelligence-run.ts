import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, scoped } from "./define.js";

const runSchema = z.object({
  reports: z.array(
    z.object({
      name: z.string(),
      status: z.enum(["ok", "failed", "skipped"]),
      duration_ms: z.number(),
      output: z.unknown().optional().describe("what the task reports (counts)"),
      error: z.string().optional(),
    }),
  ),
  total_duration_ms: z.number(),
  ok_count: z.number().int(),
  failed_count: z.number().int(),
  skipped_count: z.number().int(),
});
const dreamSchema = z.object({ status: z.literal("unavailable"), message: z.string() });

export function registerIntelligenceRunRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/intelligence/run",
      tags: ["intelligence"],
      summary: "Run the intelligence tasks for you in dependency order; a task after a failed one it depends on is skipped",
      middleware: scoped("write"),
      responses: { 200: json(runSchema, "one report per task"), ...errors(401, 403) },
    }),
    async (c) => c.json(await deps.engram.intelligenceTasks.run(c.get("principal").user.id), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/intelligence/dream",
      tags: ["intelligence"],
      summary: "Offline consolidation by a brain backend; this server has none, so it answers unavailable",
      middleware: scoped("write"),
      responses: { 200: json(dreamSchema, "no brain backend is configured"), ...errors(401, 403) },
    }),
    (c) => c.json({ status: "unavailable" as const, message: "no brain backend is configured on this server; nothing was run" }, 200),
  );
}
