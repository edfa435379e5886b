import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { typeError } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, jsonBody, scoped } from "./define.js";

const guardBody = z.object({
  action: z
    .string({ error: typeError("a string") })
    .max(10_000)
    .refine((s) => s.trim().length > 0, "must not be empty"),
});

const verdictSchema = z.object({
  signal: z.enum(["allow", "warn", "block"]),
  action: z.string(),
  rules: z.array(z.object({ id: z.number().int(), content: z.string(), importance: z.number().int() })).describe("The rules that matched, strongest first"),
  message: z.string(),
  method: z.enum(["rules", "llm"]).describe('"llm" when the LLM judged the action by meaning, else "rules" (words, and the embedder)'),
});

export function registerGuardRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/guard",
      tags: ["guardrails"],
      summary: "Check an action against your stored rules: allow, warn (a rule may apply) or block (an important rule forbids it)",
      middleware: scoped("read"),
      request: jsonBody(guardBody),
      responses: { 200: json(verdictSchema, "the verdict with the matching rules"), ...errors(400, 401, 403) },
    }),
    async (c) => {
      const verdict = await deps.engram.guard.check(c.get("principal").user.id, c.req.valid("json").action);
      // The audit log then shows which rules an agent's action ran into.
      c.set("auditTargets", verdict.rules.map((r) => r.id));
      return c.json(verdict, 200);
    },
  );
}
