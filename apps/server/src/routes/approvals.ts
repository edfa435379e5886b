import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { secondsRemaining, type ApprovalRow } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, jsonBody, scoped, timestamp } from "./define.js";

/** Human approvals (contracts/intelligence.md §5.8): ids are UUIDs. */
const text = (max: number) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? "is required" : "must be a string") })
    .max(max, `must be at most ${max} characters`)
    .refine((s) => s.trim().length > 0, "must not be empty");
const createBody = z.object({
  action: text(10_000),
  requester: text(100),
  context: z.string().max(10_000, "must be at most 10000 characters").optional(),
  window_secs: z.number({ error: "must be a number" }).int("must be an integer").min(1, "must be between 1 and 3600").max(3600, "must be between 1 and 3600").default(120),
});
const decideBody = z.object({
  decision: z.enum(["approved", "denied"], { error: 'must be "approved" or "denied"' }),
  decided_by: z.string().max(100, "must be at most 100 characters").optional(),
  reason: z.string().max(10_000, "must be at most 10000 characters").optional(),
});
const uuidParam = z.object({ id: z.string().min(1).max(100) });

export const approvalSchema = z
  .object({
    id: z.string().describe("UUID"),
    action: z.string(),
    context: z.string().nullable(),
    requester: z.string(),
    status: z.enum(["pending", "approved", "denied", "expired"]),
    decision_by: z.string().nullable(),
    decision_reason: z.string().nullable(),
    created_at: timestamp,
    expires_at: timestamp,
    decided_at: timestamp.nullable(),
    user_id: z.number().int(),
    seconds_remaining: z.number().int().describe("Until the window closes; 0 once settled or closed"),
  })
  .meta({ id: "Approval" });
const pendingSchema = z.object({
  approvals: z.array(approvalSchema).describe("Soonest expiry first"),
  count: z.number().int(),
  expired_count: z.number().int().describe("How many overdue approvals this call marked expired"),
});

export function registerApprovalRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { approvals, clock } = deps.engram;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;
  const dto = (a: ApprovalRow): z.infer<typeof approvalSchema> => ({
    id: a.id,
    action: a.action,
    context: a.context,
    requester: a.requester,
    status: a.status,
    decision_by: a.decisionBy,
    decision_reason: a.decisionReason,
    created_at: a.createdAt,
    expires_at: a.expiresAt,
    decided_at: a.decidedAt,
    user_id: a.userId,
    seconds_remaining: secondsRemaining(a, clock.now()),
  });

  app.openapi(
    createRoute({
      method: "post",
      path: "/approvals",
      tags: ["guardrails"],
      summary: "Ask a person to approve an action within a window",
      middleware: scoped("write"),
      request: jsonBody(createBody),
      responses: { 201: json(approvalSchema, "the pending approval"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const b = c.req.valid("json");
      const row = approvals.create(userOf(c), { action: b.action, requester: b.requester, context: b.context, windowSecs: b.window_secs });
      return c.json(dto(row), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/approvals/pending",
      tags: ["guardrails"],
      summary: "Your pending approvals, soonest expiry first (overdue ones are marked expired first)",
      middleware: scoped("read"),
      responses: { 200: json(pendingSchema, "pending approvals"), ...errors(401, 403) },
    }),
    (c) => {
      const { approvals: rows, expiredCount } = approvals.pending(userOf(c));
      return c.json({ approvals: rows.map(dto), count: rows.length, expired_count: expiredCount }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/approvals/{id}",
      tags: ["guardrails"],
      summary: "One approval",
      middleware: scoped("read"),
      request: { params: uuidParam },
      responses: { 200: json(approvalSchema, "the approval"), ...errors(401, 403, 404) },
    }),
    (c) => c.json(dto(approvals.get(userOf(c), c.req.valid("param").id)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/approvals/{id}/decide",
      tags: ["guardrails"],
      summary: "Approve or deny a pending approval; a waiting gate check wakes with the decision",
      middleware: scoped("write"),
      request: { params: uuidParam, ...jsonBody(decideBody) },
      responses: { 200: json(approvalSchema, "the decided approval"), ...errors(400, 401, 403, 404, 409) },
    }),
    (c) => {
      const b = c.req.valid("json");
      return c.json(dto(approvals.decide(userOf(c), c.req.valid("param").id, b.decision, b.decided_by, b.reason)), 200);
    },
  );
}
