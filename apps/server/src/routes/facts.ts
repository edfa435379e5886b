import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { contentSchema, EngramError, storeDerived, typeError, type Contradiction, type FactRow } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, jsonBody, queryBool, scoped, timestamp } from "./define.js";

/**
 * Facts, contradictions, extraction, decomposition, time travel and derivation
 * (contracts/intelligence.md §5.1 /derive, §5.2): each handler validates, makes one service call
 * and shapes the answer.
 */

const positiveInt = z.coerce.number({ error: "must be a number" }).int("must be an integer").positive("must be a positive integer");
const bodyId = z.number({ error: typeError("an integer") }).int("must be an integer").positive("must be a positive integer");
/** An ISO-8601 instant, normalised to the stored form (UTC, milliseconds) so it compares as text. */
const instant = z
  .string({ error: typeError("an ISO-8601 timestamp") })
  .refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), "must be an ISO-8601 timestamp")
  .transform((s) => new Date(Date.parse(/[T ]\d{2}:\d{2}/.test(s) && !/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? `${s}Z` : s)).toISOString());

const factSchema = z
  .object({
    id: z.number().int(),
    memory_id: z.number().int(),
    subject: z.string(),
    predicate: z.string(),
    object: z.string(),
    negated: z.boolean(),
    exclusive: z.boolean(),
    quantity: z.number().nullable(),
    unit: z.string().nullable(),
    confidence: z.number(),
    valid_at: timestamp.describe("When the fact became true"),
    invalid_at: timestamp.nullable().describe("When it stopped being true; null = still valid"),
    invalidated_by: z.number().int().nullable().describe("The fact that ended it"),
    episode_id: z.number().int().nullable(),
    method: z.enum(["rules", "llm"]),
    user_id: z.number().int(),
    created_at: timestamp,
  })
  .meta({ id: "Fact" });
const factDto = (f: FactRow): z.infer<typeof factSchema> => ({
  id: f.id,
  memory_id: f.memoryId,
  subject: f.subject,
  predicate: f.predicate,
  object: f.object,
  negated: f.negated,
  exclusive: f.exclusive,
  quantity: f.quantity,
  unit: f.unit,
  confidence: f.confidence,
  valid_at: f.validAt,
  invalid_at: f.invalidAt,
  invalidated_by: f.invalidatedBy,
  episode_id: f.episodeId,
  method: f.method,
  user_id: f.userId,
  created_at: f.createdAt,
});

const contradictionSchema = z
  .object({
    memory_a: z.number().int().describe("The older memory (or, for one memory's pairs, that memory)"),
    memory_b: z.number().int(),
    kind: z.enum(["value", "negation", "quantity"]),
    subject: z.string(),
    predicate: z.string(),
    object_a: z.string(),
    object_b: z.string(),
    fact_a: z.number().int(),
    fact_b: z.number().int(),
    confidence: z.number(),
    description: z.string(),
  })
  .meta({ id: "Contradiction" });
const contradictionDto = (c: Contradiction): z.infer<typeof contradictionSchema> => ({
  memory_a: c.memoryA,
  memory_b: c.memoryB,
  kind: c.kind,
  subject: c.subject,
  predicate: c.predicate,
  object_a: c.objectA,
  object_b: c.objectB,
  fact_a: c.factA,
  fact_b: c.factB,
  confidence: c.confidence,
  description: c.description,
});
const contradictionsSchema = z.object({ contradictions: z.array(contradictionSchema), count: z.number().int() });

const factsQuery = z.object({
  memory_id: positiveInt.optional(),
  subject: z.string().trim().min(1, "must not be empty").max(200).optional(),
  predicate: z.string().trim().min(1, "must not be empty").max(200).optional(),
  at: instant.optional(),
  current: queryBool.optional(),
  limit: z.coerce.number({ error: "must be a number" }).int("must be an integer").min(1).max(1000).default(50),
  offset: z.coerce.number({ error: "must be a number" }).int("must be an integer").min(0).default(0),
});
const scanFields = {
  limit: z.number({ error: typeError("an integer") }).int("must be an integer").min(1).max(500).default(100),
  subject: z.string({ error: typeError("a string") }).trim().min(1, "must not be empty").max(200).optional(),
};
const scanBody = z.object(scanFields);
const scanQuery = z.object({ ...scanFields, limit: z.coerce.number({ error: "must be a number" }).int("must be an integer").min(1).max(500).default(100) });
const memoryIdParam = z.object({ memory_id: positiveInt });

const extractBody = z
  .object({ memory_id: bodyId.optional(), content: contentSchema.optional() })
  .refine((b) => b.memory_id !== undefined || b.content !== undefined, { message: "is required (or content)", path: ["memory_id"] })
  .refine((b) => b.memory_id === undefined || b.content === undefined, { message: "give memory_id or content, not both", path: ["memory_id"] });
const extractSchema = z.object({
  memory_id: z.number().int(),
  facts: z.number().int().describe("Facts of the memory"),
  preferences: z.number().int().describe("Of those, likes and dislikes"),
  state_updates: z.number().int().describe("Windows of earlier facts this extraction closed"),
  fact_ids: z.array(z.number().int()),
  method: z.enum(["rules", "llm"]),
});

const decomposeSchema = z.object({
  child_ids: z.array(z.number().int()),
  tier: z.enum(["llm", "tier2-rules", "tier3-template"]).nullable(),
  method: z.enum(["rules", "llm"]),
});

const timetravelBody = z.object({
  timestamp: instant,
  query: z.string({ error: typeError("a string") }).max(10_000).optional(),
  limit: z.number({ error: typeError("an integer") }).int("must be an integer").min(1).max(100).default(20),
});
const timetravelSchema = z.object({
  results: z.array(z.object({ id: z.number().int(), content: z.string(), category: z.string(), importance: z.number().int(), created_at: timestamp })),
  facts: z.array(factSchema).describe("Facts valid at that instant"),
  timestamp,
  count: z.number().int(),
});

const adminBody = (limitDefault: number) =>
  z.object({
    user_id: bodyId.optional().describe("Whose memories (default: the caller's)"),
    limit: z.number({ error: typeError("an integer") }).int("must be an integer").min(1).max(5000).default(limitDefault),
  });
const backfillSchema = z.object({ processed: z.number().int(), facts_created: z.number().int() });
const sweepSchema = z.object({ processed: z.number().int(), children_created: z.number().int(), skipped: z.number().int() });

const deriveBody = z
  .object({
    memory_ids: z.array(bodyId, { error: "must be an array of integers" }).min(1, "must not be empty").max(50, "at most 50 ids").optional(),
    query: z.string({ error: typeError("a string") }).max(10_000).refine((s) => s.trim().length > 0, "must not be empty").optional(),
    limit: z.number({ error: typeError("an integer") }).int("must be an integer").min(1).max(20).default(10),
    dry_run: z.boolean({ error: typeError("a boolean") }).default(false),
  })
  .refine((b) => b.memory_ids !== undefined || b.query !== undefined, { message: "is required (or query)", path: ["memory_ids"] })
  .refine((b) => b.memory_ids === undefined || b.query === undefined, { message: "give memory_ids or query, not both", path: ["memory_ids"] });
const deriveSchema = z.object({
  derived: z.array(z.object({ id: z.number().int().nullable().describe("null in a dry run"), content: z.string(), source_ids: z.array(z.number().int()), confidence: z.number() })),
  count: z.number().int(),
  method: z.enum(["rules", "llm"]),
});

const optionalJson = <T extends z.ZodType>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: false } });

export function registerFactRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { engram } = deps;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;
  /** An admin route's target: the caller, or a user named by id (unknown: 404). */
  const targetUser = (c: { get(k: "principal"): { user: { id: number } } }, userId: number | undefined) => {
    if (userId === undefined) return userOf(c);
    if (!engram.auth.listUsers().some((u) => u.id === userId)) throw new EngramError("not_found", "user not found");
    return userId;
  };

  app.openapi(
    createRoute({
      method: "get",
      path: "/facts",
      tags: ["facts"],
      summary: "Your facts, newest window first; `at` keeps those valid at an instant, `current` the open ones",
      middleware: scoped("read"),
      request: { query: factsQuery },
      responses: { 200: json(z.object({ facts: z.array(factSchema) }), "facts"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const q = c.req.valid("query");
      const rows = engram.facts.list(userOf(c), { memoryId: q.memory_id, subject: q.subject?.toLowerCase(), predicate: q.predicate, at: q.at, current: q.current, limit: q.limit, offset: q.offset });
      return c.json({ facts: rows.map(factDto) }, 200);
    },
  );

  for (const path of ["/contradictions", "/intelligence/contradictions"] as const) {
    app.openapi(
      createRoute({
        method: "post",
        path,
        tags: ["facts"],
        summary: "Scan your facts for contradictions: value, negation and quantity conflicts (a query: read scope)",
        middleware: scoped("read"),
        request: optionalJson(scanBody),
        responses: { 200: json(contradictionsSchema, "contradictions, newest first"), ...errors(400, 401, 403) },
      }),
      async (c) => {
        const b = c.req.valid("json") ?? scanBody.parse({});
        const found = await engram.facts.contradictions(userOf(c), { limit: b.limit, subject: b.subject });
        return c.json({ contradictions: found.map(contradictionDto), count: found.length }, 200);
      },
    );
    app.openapi(
      createRoute({
        method: "get",
        path: `${path}/{memory_id}`,
        tags: ["facts"],
        summary: "The contradictions that involve one memory (as memory_a); records any missing contradicts link",
        middleware: scoped("read"),
        request: { params: memoryIdParam },
        responses: { 200: json(contradictionsSchema, "contradictions"), ...errors(400, 401, 403, 404) },
      }),
      async (c) => {
        const found = await engram.facts.contradictionsOf(userOf(c), c.req.valid("param").memory_id);
        return c.json({ contradictions: found.map(contradictionDto), count: found.length }, 200);
      },
    );
  }
  app.openapi(
    createRoute({
      method: "get",
      path: "/contradictions",
      tags: ["facts"],
      summary: "As POST /contradictions, with limit and subject in the query string",
      middleware: scoped("read"),
      request: { query: scanQuery },
      responses: { 200: json(contradictionsSchema, "contradictions, newest first"), ...errors(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const found = await engram.facts.contradictions(userOf(c), { limit: q.limit, subject: q.subject });
      return c.json({ contradictions: found.map(contradictionDto), count: found.length }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/intelligence/extract",
      tags: ["facts"],
      summary: "Run the fact extractor on a memory now (or store `content` first, source extraction)",
      middleware: scoped("write"),
      request: jsonBody(extractBody),
      responses: { 200: json(extractSchema, "what the extraction found"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const b = c.req.valid("json");
      const userId = userOf(c);
      let memoryId = b.memory_id;
      if (memoryId === undefined) {
        const [stored] = await storeDerived({ db: engram.db, memories: engram.memories, embedder: engram.embedding }, userId, [{ content: b.content!, category: "general", source: "extraction" }]);
        memoryId = stored!.kind === "stored" ? stored!.memory.id : stored!.existingId;
      }
      const r = await engram.facts.extract(userId, memoryId);
      c.set("auditTargets", [memoryId]);
      return c.json({ memory_id: r.memoryId, facts: r.facts, preferences: r.preferences, state_updates: r.stateUpdates, fact_ids: r.factIds, method: r.method }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/intelligence/decompose/{memory_id}",
      tags: ["facts"],
      summary: "Split a memory into atomic child facts (memories linked has_fact from it); a second call returns the same children",
      middleware: scoped("write"),
      request: { params: memoryIdParam },
      responses: { 200: json(decomposeSchema, "the children"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const id = c.req.valid("param").memory_id;
      const r = await engram.decompose.decompose(userOf(c), id);
      c.set("auditTargets", [id, ...r.childIds]);
      return c.json({ child_ids: r.childIds, tier: r.tier, method: r.method }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/timetravel",
      tags: ["facts"],
      summary: "Your memories as they stood at an instant (each version chain at its version then) and the facts valid then (read)",
      middleware: scoped("read"),
      request: jsonBody(timetravelBody),
      responses: { 200: json(timetravelSchema, "memories and facts at that instant"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const b = c.req.valid("json");
      const past = engram.timetravel.at(userOf(c), { timestamp: b.timestamp, query: b.query, limit: b.limit });
      const results = past.memories.map((m) => ({ id: m.id, content: m.content, category: m.category, importance: m.importance, created_at: m.createdAt }));
      return c.json({ results, facts: past.facts.map(factDto), timestamp: b.timestamp, count: results.length }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/backfill-facts",
      tags: ["facts"],
      summary: "Run the fact extractor on memories it never ran on (admin)",
      middleware: scoped("admin"),
      request: optionalJson(adminBody(500)),
      responses: { 200: json(backfillSchema, "counts"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const b = c.req.valid("json") ?? adminBody(500).parse({});
      const r = await engram.facts.backfill(targetUser(c, b.user_id), b.limit);
      return c.json({ processed: r.processed, facts_created: r.factsCreated }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/decompose-sweep",
      tags: ["facts"],
      summary: "Decompose memories not yet decomposed (admin); over 50 of them run as a decompose_sweep job (202)",
      middleware: scoped("admin"),
      request: optionalJson(adminBody(200)),
      responses: {
        200: json(sweepSchema, "done at once"),
        202: json(z.object({ job_id: z.number().int().describe("The first batch's job; GET /jobs?type=decompose_sweep shows the progress") }), "running as a job"),
        ...errors(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const b = c.req.valid("json") ?? adminBody(200).parse({});
      const r = await engram.decompose.sweep(targetUser(c, b.user_id), b.limit);
      if (r.kind === "job") return c.json({ job_id: r.jobId }, 202);
      return c.json({ processed: r.processed, children_created: r.childrenCreated, skipped: r.skipped }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/derive",
      tags: ["facts"],
      summary: "Derive conclusions from memories (or a query's top hits): fact chaining and value changes; dry_run stores nothing",
      middleware: scoped("write"),
      request: jsonBody(deriveBody),
      responses: { 200: json(deriveSchema, "the conclusions"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const b = c.req.valid("json");
      const r = await engram.derive.derive(userOf(c), { memoryIds: b.memory_ids, query: b.query, limit: b.limit, dryRun: b.dry_run });
      const derived = r.derived.map((d) => ({ id: d.id, content: d.content, source_ids: d.sourceIds, confidence: d.confidence }));
      c.set("auditTargets", derived.flatMap((d) => (d.id === null ? [] : [d.id])));
      return c.json({ derived, count: derived.length, method: r.method }, 200);
    },
  );
}

