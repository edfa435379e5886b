import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, scoped } from "./define.js";
import { limitQuery, memoryIdParam } from "./intelligence-shapes.js";

const resultSchema = z
  .object({
    memory_id: z.number().int(),
    action: z.enum(["strengthened", "weakened", "corrected", "unchanged"]),
    old_importance: z.number().int(),
    new_importance: z.number().int(),
    old_confidence: z.number(),
    new_confidence: z.number(),
    reason: z.string().describe("the evidence, then what changed"),
  })
  .meta({ id: "Reconsolidation" });

export function registerReconsolidationRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { reconsolidation } = deps.engram;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;

  app.openapi(
    createRoute({
      method: "post",
      path: "/intelligence/reconsolidate/{memory_id}",
      tags: ["intelligence"],
      summary: "Adjust a memory's importance and confidence from its recall record and correcting links",
      middleware: scoped("write"),
      request: { params: memoryIdParam },
      responses: { 200: json(resultSchema, "what changed, and why"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const id = c.req.valid("param").memory_id;
      const result = reconsolidation.reconsolidate(userOf(c), id);
      if (result.action !== "unchanged") c.set("auditTargets", [id]);
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/intelligence/reconsolidation/candidates",
      tags: ["intelligence"],
      summary: "What reconsolidation would change, newest memories first (a preview: changes nothing)",
      middleware: scoped("read"),
      request: { query: z.object({ limit: limitQuery(100, 20) }) },
      responses: { 200: json(z.object({ results: z.array(resultSchema), count: z.number().int() }), "the planned changes"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const results = reconsolidation.candidates(userOf(c), c.req.valid("query").limit);
      return c.json({ results, count: results.length }, 200);
    },
  );
}
