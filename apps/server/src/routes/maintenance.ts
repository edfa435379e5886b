import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { contentSchema, FEEDBACK_RATINGS, MAX_SOURCES, MIN_SOURCES, typeError } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, jsonBody, scoped, timestamp } from "./define.js";
import { memoryDto, memorySchema } from "./memory-shapes.js";

/** Correction and maintenance (contracts/intelligence.md §5.3): nothing here deletes a memory. */

const memoryId = z.number({ error: typeError("an integer") }).int("must be an integer").positive("must be a positive integer");
const unit = (def: number) => z.number({ error: typeError("a number") }).min(0, "must be between 0 and 1").max(1, "must be between 0 and 1").default(def);
const optionalJson = <T extends z.ZodType>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: false } });

const correctBody = z.object({
  memory_id: memoryId,
  content: contentSchema,
  reason: z.string({ error: typeError("a string") }).trim().min(1, "must not be empty").max(1000).optional(),
});
const duplicatesQuery = z.object({
  threshold: z.coerce.number({ error: "must be a number" }).min(0, "must be between 0 and 1").max(1, "must be between 0 and 1").default(0.9),
  limit: z.coerce.number({ error: "must be a number" }).int("must be an integer").min(1).max(200).default(50),
});
const deduplicateBody = z.object({ threshold: unit(0.9), dry_run: z.boolean({ error: typeError("a boolean") }).default(true) });
const consolidateBody = z.object({
  memory_ids: z
    .array(memoryId, { error: "must be an array of integers" })
    .min(MIN_SOURCES, `must name at least ${MIN_SOURCES} memories`)
    .max(MAX_SOURCES, `must name at most ${MAX_SOURCES} memories`)
    .refine((ids) => new Set(ids).size === ids.length, "must not repeat an id"),
});
const candidatesBody = z.object({ threshold: unit(0.7) });
const consolidationsQuery = z.object({ limit: z.coerce.number({ error: "must be a number" }).int("must be an integer").min(1).max(500).default(20) });
const sweepBody = z.object({ threshold: unit(0.85) });
const feedbackBody = z.object({
  memory_id: memoryId,
  rating: z.enum(FEEDBACK_RATINGS, { error: `must be one of ${FEEDBACK_RATINGS.join(", ")}` }),
  context: z.string({ error: typeError("a string") }).max(10_000).optional(),
});

const consolidatedSchema = memorySchema.extend({ method: z.enum(["rules", "llm"]).describe("How the text was written: bullet merge (rules) or the LLM") }).meta({ id: "ConsolidatedMemory" });
const duplicatesSchema = z.object({
  duplicates: z.array(
    z.object({
      id_a: z.number().int(),
      id_b: z.number().int(),
      content_a: z.string(),
      content_b: z.string(),
      similarity: z.number(),
      importance_a: z.number().int(),
      importance_b: z.number().int(),
    }),
  ),
  count: z.number().int(),
});
const deduplicatedSchema = z.object({
  pairs_found: z.number().int(),
  merged: z.number().int().describe("Memories superseded by this call (0 on a dry run)"),
  dry_run: z.boolean(),
  superseded_ids: z.array(z.number().int()).describe("Superseded, or on a dry run those that would be"),
});
const groupsSchema = z.object({ groups: z.array(z.array(z.number().int())) });
const consolidationsSchema = z.object({
  consolidations: z.array(z.object({ id: z.number().int(), summary: z.string(), result_memory_id: z.number().int(), source_ids: z.array(z.number().int()), created_at: timestamp })),
});
const sweptSchema = z.object({
  swept: z.number().int().describe("Memories forgotten by the TTL pass (as before the consolidation sweep joined it)"),
  forgotten: z.number().int(),
  ids: z.array(z.number().int()).describe("The memories forgotten"),
  pairs_found: z.number().int(),
  consolidated: z.number().int().describe("Consolidations written"),
});
const healthSchema = z.object({
  total_memories: z.number().int(),
  without_embeddings: z.number().int(),
  archived: z.number().int(),
  superseded: z.number().int(),
  pending: z.number().int(),
  with_links: z.number().int(),
  facts: z.number().int(),
  open_contradictions: z.number().int(),
  avg_importance: z.number(),
  oldest_memory: timestamp.nullable(),
  embedding_coverage_pct: z.number(),
});
const okSchema = z.object({ ok: z.literal(true), importance: z.number().int().describe("The memory's importance after the rating") });
const feedbackStatsSchema = z.object({ helpful: z.number().int(), irrelevant: z.number().int(), off_topic: z.number().int(), outdated: z.number().int(), total: z.number().int() });

export function registerMaintenanceRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { corrections, duplicates, consolidations, feedback } = deps.engram.maintenance;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;

  app.openapi(
    createRoute({
      method: "post",
      path: "/correct",
      tags: ["maintenance"],
      summary: "Replace a memory with a corrected one; the old one is superseded (hidden from search, readable by id), never deleted",
      middleware: scoped("write"),
      request: jsonBody(correctBody),
      responses: { 201: json(memorySchema, "the new memory"), ...errors(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const b = c.req.valid("json");
      const row = await corrections.correct(userOf(c), { memoryId: b.memory_id, content: b.content, reason: b.reason });
      c.set("auditTargets", [b.memory_id, row.id]);
      return c.json(memoryDto(row), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/duplicates",
      tags: ["maintenance"],
      summary: "Pairs of live memories joined by a similarity link at or above the threshold, most similar first",
      middleware: scoped("read"),
      request: { query: duplicatesQuery },
      responses: { 200: json(duplicatesSchema, "the pairs"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const q = c.req.valid("query");
      const pairs = duplicates.list(userOf(c), q.threshold, q.limit).map((p) => ({
        id_a: p.idA,
        id_b: p.idB,
        content_a: p.contentA,
        content_b: p.contentB,
        similarity: p.similarity,
        importance_a: p.importanceA,
        importance_b: p.importanceB,
      }));
      return c.json({ duplicates: pairs, count: pairs.length }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/deduplicate",
      tags: ["maintenance"],
      summary: "Supersede the lesser memory of each near-duplicate pair (dry run by default); nothing is deleted",
      middleware: scoped("write"),
      request: optionalJson(deduplicateBody),
      responses: { 200: json(deduplicatedSchema, "what was (or would be) superseded"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const b = deduplicateBody.parse(c.req.valid("json") ?? {});
      const result = duplicates.deduplicate(userOf(c), b.threshold, b.dry_run);
      if (!result.dry_run) c.set("auditTargets", result.superseded_ids);
      return c.json(result, 200);
    },
  );

  for (const path of ["/consolidate", "/intelligence/consolidate"]) {
    app.openapi(
      createRoute({
        method: "post",
        path,
        tags: ["maintenance"],
        summary: "Write one memory summarising several; the sources stay searchable, marked consolidated",
        middleware: scoped("write"),
        request: jsonBody(consolidateBody),
        responses: { 201: json(consolidatedSchema, "the consolidated memory"), ...errors(400, 401, 403, 404) },
      }),
      async (c) => {
        const ids = c.req.valid("json").memory_ids;
        const { memory, method } = await consolidations.consolidate(userOf(c), ids);
        c.set("auditTargets", [memory.id, ...ids]);
        return c.json({ ...memoryDto(memory), method }, 201);
      },
    );
  }

  app.openapi(
    createRoute({
      method: "post",
      path: "/intelligence/consolidation-candidates",
      tags: ["maintenance"],
      summary: "Groups of live memories joined by similarity links at or above the threshold (not yet consolidated)",
      middleware: scoped("read"),
      request: optionalJson(candidatesBody),
      responses: { 200: json(groupsSchema, "the groups"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const b = candidatesBody.parse(c.req.valid("json") ?? {});
      return c.json({ groups: duplicates.candidates(userOf(c), b.threshold).groups }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/intelligence/consolidations",
      tags: ["maintenance"],
      summary: "Your consolidations, newest first",
      middleware: scoped("read"),
      request: { query: consolidationsQuery },
      responses: { 200: json(consolidationsSchema, "the consolidations"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const rows = consolidations.list(userOf(c), c.req.valid("query").limit);
      return c.json(
        { consolidations: rows.map((r) => ({ id: r.id, summary: r.summary, result_memory_id: r.resultMemoryId, source_ids: r.sourceIds, created_at: r.createdAt })) },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/sweep",
      tags: ["maintenance"],
      summary: "Both maintenance passes now: forget memories past forget_after (TTL), then consolidate each candidate group",
      middleware: scoped("write"),
      request: optionalJson(sweepBody),
      responses: { 200: json(sweptSchema, "what each pass did"), ...errors(400, 401, 403) },
    }),
    async (c) => {
      const b = sweepBody.parse(c.req.valid("json") ?? {});
      const result = await consolidations.sweep(userOf(c), b.threshold);
      c.set("auditTargets", result.ids);
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/memory-health",
      tags: ["maintenance"],
      summary: "Counts over your memories: embeddings, links, superseded, pending, facts, contradictions",
      middleware: scoped("read"),
      responses: { 200: json(healthSchema, "the counts"), ...errors(401, 403) },
    }),
    (c) => c.json(deps.engram.maintenance.health(userOf(c)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/feedback",
      tags: ["maintenance"],
      summary: "Rate a retrieved memory: its importance moves (+1 helpful, −1 irrelevant/off-topic, −2 outdated), which later searches rank by",
      middleware: scoped("write"),
      request: jsonBody(feedbackBody),
      responses: { 201: json(okSchema, "recorded"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const b = c.req.valid("json");
      const { importance } = feedback.rate(userOf(c), b.memory_id, b.rating, b.context ?? null);
      c.set("auditTargets", [b.memory_id]);
      return c.json({ ok: true as const, importance }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/feedback/stats",
      tags: ["maintenance"],
      summary: "How many ratings of each kind you gave",
      middleware: scoped("read"),
      responses: { 200: json(feedbackStatsSchema, "counts"), ...errors(401, 403) },
    }),
    (c) => c.json(feedback.stats(userOf(c)), 200),
  );
}
