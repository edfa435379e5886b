import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, jsonBody, scoped } from "./define.js";

/** The gate (contracts/intelligence.md §5.8): an agent's hook asks before it runs a command. */
const required = (max: number) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? "is required" : "must be a string") })
    .max(max, `must be at most ${max} characters`)
    .refine((s) => s.trim().length > 0, "must not be empty");
const gateId = z.number({ error: (iss) => (iss.input === undefined ? "is required" : "must be an integer") }).int("must be an integer").positive("must be a positive integer");
/** The contract's 1 MiB, in characters of the decoded string. */
const MAX_OUTPUT = 1024 * 1024;

const checkBody = z.object({
  command: required(10_000),
  agent: required(100),
  context: z.string().max(10_000, "must be at most 10000 characters").optional(),
  tool_name: z.string().max(100, "must be at most 100 characters").optional(),
  wait_secs: z.number({ error: "must be a number" }).int("must be an integer").min(0, "must be between 0 and 120").max(120, "must be between 0 and 120").default(120),
});
const respondBody = z.object({
  gate_id: gateId,
  approved: z.boolean({ error: (iss) => (iss.input === undefined ? "is required" : "must be true or false") }),
  reason: z.string().max(10_000, "must be at most 10000 characters").optional(),
});
const completeBody = z.object({
  gate_id: gateId,
  output: z.string({ error: (iss) => (iss.input === undefined ? "is required" : "must be a string") }).max(MAX_OUTPUT, "must be at most 1 MiB"),
  known_secrets: z.array(z.string().max(10_000, "each secret must be at most 10000 characters"), { error: "must be an array of strings" }).max(200, "must list at most 200 secrets").optional(),
});

const decisionSchema = z
  .object({
    allowed: z.boolean(),
    reason: z.string(),
    resolved_command: z.string(),
    gate_id: z.number().int(),
    requires_approval: z.boolean(),
    approval_id: z.string().optional().describe("UUID of the approval the check waits (or waited) on"),
    enrichment: z.string().optional().describe("Notes for the agent: rules that may apply, what a service command touches"),
  })
  .meta({ id: "GateDecision" });
const respondedSchema = z.object({ ok: z.literal(true), approved: z.boolean(), command: z.string().optional().describe("The command, when approved") });
const completedSchema = z.object({ ok: z.literal(true) });

export function registerGateRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { gate } = deps.engram;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;

  app.openapi(
    createRoute({
      method: "post",
      path: "/gate/check",
      tags: ["guardrails"],
      summary: "Check a command before it runs: dangerous patterns, your rules, ssh targets, secrets, approvals",
      middleware: scoped("write"),
      request: jsonBody(checkBody),
      responses: { 201: json(decisionSchema, "the decision, stored as a gate request"), ...errors(400, 401, 403) },
    }),
    async (c) => c.json(await gate.check(userOf(c), c.req.valid("json")), 201),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/gate/respond",
      tags: ["guardrails"],
      summary: "A person's answer to a waiting gate check",
      middleware: scoped("write"),
      request: jsonBody(respondBody),
      responses: { 200: json(respondedSchema, "answered"), ...errors(400, 401, 403, 404, 409) },
    }),
    (c) => {
      const b = c.req.valid("json");
      const { command } = gate.respond(userOf(c), b.gate_id, b.approved, b.reason);
      return c.json({ ok: true as const, approved: b.approved, ...(command !== undefined ? { command } : {}) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/gate/complete",
      tags: ["guardrails"],
      summary: "Store what a checked command printed, scrubbed of the secrets named",
      middleware: scoped("write"),
      request: jsonBody(completeBody),
      responses: { 200: json(completedSchema, "stored"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const b = c.req.valid("json");
      gate.complete(userOf(c), b.gate_id, b.output, b.known_secrets ?? []);
      return c.json({ ok: true as const }, 200);
    },
  );
}
