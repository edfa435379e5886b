import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { contentSchema, importanceSchema, type MemoryRow } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, idParam, json, jsonBody, scoped, timestamp } from "./define.js";

/** The review inbox (contracts/intelligence.md §5.9): pending memories, approved, edited or rejected by a person. */
const inboxQuery = z.object({
  limit: z.coerce.number({ error: "must be a number" }).int("must be an integer").min(1, "must be between 1 and 200").max(200, "must be between 1 and 200").default(50),
  offset: z.coerce.number({ error: "must be a number" }).int("must be an integer").min(0, "must not be negative").default(0),
});
const reasonBody = z.object({ reason: z.string().max(1000, "must be at most 1000 characters").optional() });
const editBody = z
  .object({
    content: contentSchema.optional(),
    category: z.string().trim().min(1, "must not be empty").max(200).optional(),
    importance: importanceSchema.optional(),
    tags: z
      .union([z.array(z.string().max(100, "each tag must be at most 100 characters")).max(100), z.string().max(10_000)], {
        error: "must be an array of strings or a comma-separated string",
      })
      .transform((t) => (typeof t === "string" ? t.split(",") : t))
      .optional(),
  });
const bulkBody = z.object({
  ids: z
    .array(z.number({ error: "must be an array of integers" }).int("must be an array of integers").positive("must be an array of positive integers"), {
      error: "must be an array of integers",
    })
    .min(1, "must name at least one id")
    .max(500, "must name at most 500 ids"),
  action: z.enum(["approve", "reject"], { error: 'must be "approve" or "reject"' }),
  reason: z.string().max(1000, "must be at most 1000 characters").optional(),
});

const pendingItemSchema = z
  .object({
    id: z.number().int(),
    content: z.string(),
    category: z.string(),
    source: z.string(),
    session_id: z.string().nullable(),
    importance: z.number().int(),
    created_at: timestamp,
    tags: z.array(z.string()),
    confidence: z.number(),
    decay_score: z.number(),
    status: z.literal("pending").describe("The reference's name for review_status"),
    review_status: z.literal("pending"),
    model: z.string().nullable(),
  })
  .meta({ id: "InboxItem" });
const inboxSchema = z.object({
  pending: z.array(pendingItemSchema).describe("Newest first"),
  count: z.number().int(),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
});
const approvedSchema = z.object({ approved: z.literal(true), id: z.number().int() });
const rejectedSchema = z.object({ rejected: z.literal(true), id: z.number().int() });
const editedSchema = z.object({ approved: z.literal(true), edited: z.literal(true), id: z.number().int() });
const bulkSchema = z.object({
  action: z.enum(["approve", "reject"]),
  count: z.number().int().describe("How many ids were acted on"),
  ids: z.array(z.number().int()).describe("The ids acted on"),
  failed: z.array(z.object({ id: z.number().int(), error: z.string() })).describe("Missing, another tenant's, or not pending"),
});

const pendingDto = (m: MemoryRow): z.infer<typeof pendingItemSchema> => ({
  id: m.id,
  content: m.content,
  category: m.category,
  source: m.source,
  session_id: m.sessionId,
  importance: m.importance,
  created_at: m.createdAt,
  tags: m.tags,
  confidence: m.confidence,
  decay_score: m.decayScore,
  status: "pending",
  review_status: "pending",
  model: m.model,
});

export function registerInboxRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { inbox } = deps.engram;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;

  for (const path of ["/inbox", "/pending"]) {
    app.openapi(
      createRoute({
        method: "get",
        path,
        tags: ["inbox"],
        summary: path === "/inbox" ? "Memories waiting for review, newest first" : "Alias of GET /inbox",
        middleware: scoped("read"),
        request: { query: inboxQuery },
        responses: { 200: json(inboxSchema, "the pending memories"), ...errors(400, 401, 403) },
      }),
      (c) => {
        const q = c.req.valid("query");
        const { rows, total } = inbox.list(userOf(c), q.limit, q.offset);
        return c.json({ pending: rows.map(pendingDto), count: rows.length, total, offset: q.offset, limit: q.limit }, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: "post",
      path: "/inbox/{id}/approve",
      tags: ["inbox"],
      summary: "Approve a pending memory: it becomes searchable and its deferred post-store work runs",
      middleware: scoped("write"),
      request: { params: idParam },
      responses: { 200: json(approvedSchema, "approved"), ...errors(400, 401, 403, 404, 409) },
    }),
    (c) => {
      const { id } = c.req.valid("param");
      inbox.approve(userOf(c), id);
      c.set("auditTargets", [id]);
      return c.json({ approved: true as const, id }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/inbox/{id}/reject",
      tags: ["inbox"],
      summary: "Reject a pending memory: archived, with the reason kept as forget_reason",
      middleware: scoped("write"),
      // The reason is optional, so an empty body is as good as `{}`.
      request: { params: idParam, body: { content: { "application/json": { schema: reasonBody } }, required: false } },
      responses: { 200: json(rejectedSchema, "rejected"), ...errors(400, 401, 403, 404, 409) },
    }),
    (c) => {
      const { id } = c.req.valid("param");
      inbox.reject(userOf(c), id, c.req.valid("json")?.reason);
      c.set("auditTargets", [id]);
      return c.json({ rejected: true as const, id }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/inbox/{id}/edit",
      tags: ["inbox"],
      summary: "Edit a pending memory in place (re-embedded when its content changes) and approve it",
      middleware: scoped("write"),
      request: { params: idParam, ...jsonBody(editBody) },
      responses: { 200: json(editedSchema, "edited and approved"), ...errors(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const patch = c.req.valid("json");
      const userId = userOf(c);
      // Checked before embedding, so a foreign or settled id costs no model call.
      const current = deps.engram.memories.find(userId, id);
      const changed = patch.content !== undefined && current?.reviewStatus === "pending" && patch.content !== current.content;
      const vector = changed ? ((await deps.engram.embedding.embed([patch.content!]))?.[0] ?? null) : null;
      inbox.edit(userId, id, patch, vector);
      c.set("auditTargets", [id]);
      return c.json({ approved: true as const, edited: true as const, id }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/inbox/bulk",
      tags: ["inbox"],
      summary: "Approve or reject many pending memories; each id that cannot be is listed in failed",
      middleware: scoped("write"),
      request: jsonBody(bulkBody),
      responses: { 200: json(bulkSchema, "what was done, and what failed"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const b = c.req.valid("json");
      const result = inbox.bulk(userOf(c), b.ids, b.action, b.reason);
      c.set("auditTargets", result.ids);
      return c.json(result, 200);
    },
  );
}
