import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { ReflectionRow } from "@engram/core";
import { z } from "zod";
import { typeError } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, jsonBody, scoped, timestamp } from "./define.js";

/** Reflections and growth (contracts/intelligence.md §5.4). */

const memoryId = z.number({ error: typeError("an integer") }).int("must be an integer").positive("must be a positive integer");
const text = (max: number) =>
  z
    .string({ error: typeError("a string") })
    .max(max, `must be at most ${max} characters`)
    .refine((s) => s.trim().length > 0, "must not be empty");
const optionalJson = <T extends z.ZodType>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: false } });

const reflectionFields = {
  source_memory_ids: z.array(memoryId, { error: "must be an array of integers" }).max(1000).default([]),
  reflection_type: z.string({ error: typeError("a string") }).trim().min(1, "must not be empty").max(50).default("general"),
  confidence: z.number({ error: typeError("a number") }).min(0, "must be between 0 and 1").max(1, "must be between 0 and 1").default(1),
};
const reflectionBody = z.object({ content: text(10_000), ...reflectionFields });
const reflectBody = z.object({
  content: text(10_000).optional(),
  ...reflectionFields,
  period: z.enum(["day", "week", "month"], { error: "must be day, week or month" }).default("week"),
});
const listQuery = z.object({
  limit: z.coerce.number({ error: "must be a number" }).int("must be an integer").min(1).max(500).default(20),
  type: z.string().trim().min(1).max(50).optional(),
});
const generateQuery = z.object({ limit: z.coerce.number({ error: "must be a number" }).int("must be an integer").min(1).max(100).default(10) });
const growthBody = z.object({
  service: text(100),
  context: z.array(z.string({ error: typeError("a string") }).max(10_000, "each entry must be at most 10000 characters"), { error: "must be an array of strings" }).min(1, "must not be empty").max(100),
  existing_growth: z.string({ error: typeError("a string") }).max(100_000).optional(),
  prompt_override: text(10_000).optional(),
});
const observationsQuery = z.object({ limit: z.coerce.number({ error: "must be a number" }).int("must be an integer").min(1).max(100).default(20) });
const materializeBody = z.object({ observation_id: memoryId });

const method = z.enum(["rules", "llm"]).describe("Who wrote the text: the rules, or the LLM");
const reflectionSchema = z
  .object({
    id: z.number().int(),
    content: z.string(),
    reflection_type: z.string(),
    source_memory_ids: z.array(z.number().int()),
    confidence: z.number(),
    themes: z.array(z.string()),
    period_start: timestamp.nullable(),
    period_end: timestamp.nullable(),
    user_id: z.number().int(),
    created_at: timestamp,
  })
  .meta({ id: "Reflection" });
const reflectedSchema = reflectionSchema.extend({ method: method.optional().describe("Set on a period reflection: who wrote its text") });
const generatedSchema = z.object({ reflections: z.array(reflectionSchema.extend({ method })), count: z.number().int() });
const reflectionsSchema = z.object({ reflections: z.array(reflectionSchema) });
const observedSchema = z.object({ observation: z.string(), stored_memory_id: z.number().int(), reflection_id: z.number().int(), method: z.literal("llm") });
const notObservedSchema = z.object({
  observation: z.null(),
  stored_memory_id: z.null(),
  reflection_id: z.null(),
  reason: z.enum(["llm_unavailable", "llm_failed", "nothing_observed"]),
});
const observationsSchema = z.object({
  observations: z.array(z.object({ id: z.number().int(), content: z.string(), source: z.string(), importance: z.number().int(), created_at: timestamp })),
  count: z.number().int(),
});
const materializedSchema = z.object({ ok: z.literal(true), memory_id: z.number().int() });

const reflectionDto = (r: ReflectionRow): z.infer<typeof reflectionSchema> => ({
  id: r.id,
  content: r.content,
  reflection_type: r.reflectionType,
  source_memory_ids: r.sourceMemoryIds,
  confidence: r.confidence,
  themes: r.themes,
  period_start: r.periodStart,
  period_end: r.periodEnd,
  user_id: r.userId,
  created_at: r.createdAt,
});

export function registerReflectionRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { reflections, growth } = deps.engram;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;
  const create = (userId: number, b: z.infer<typeof reflectionBody>) =>
    reflections.create(userId, { content: b.content, sourceMemoryIds: b.source_memory_ids, reflectionType: b.reflection_type, confidence: b.confidence });

  for (const path of ["/reflections", "/intelligence/reflections"]) {
    app.openapi(
      createRoute({
        method: "post",
        path,
        tags: ["reflections"],
        summary: "Store a reflection written by you or an agent",
        middleware: scoped("write"),
        request: jsonBody(reflectionBody),
        responses: { 201: json(reflectionSchema, "the reflection"), ...errors(400, 401, 403, 404) },
      }),
      (c) => c.json(reflectionDto(create(userOf(c), c.req.valid("json"))), 201),
    );
    app.openapi(
      createRoute({
        method: "get",
        path,
        tags: ["reflections"],
        summary: "Your reflections, newest first",
        middleware: scoped("read"),
        request: { query: listQuery },
        responses: { 200: json(reflectionsSchema, "the reflections"), ...errors(400, 401, 403) },
      }),
      (c) => {
        const q = c.req.valid("query");
        return c.json({ reflections: reflections.list(userOf(c), q.limit, q.type).map(reflectionDto) }, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: "post",
      path: "/reflect",
      tags: ["reflections"],
      summary: "With content: store it as a reflection. Without: reflect on the memories of the last day, week or month",
      middleware: scoped("write"),
      request: optionalJson(reflectBody),
      responses: { 201: json(reflectedSchema, "the reflection"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const b = reflectBody.parse(c.req.valid("json") ?? {});
      const userId = userOf(c);
      if (b.content !== undefined) return c.json(reflectionDto(create(userId, { ...b, content: b.content })), 201);
      const { reflection, method } = await reflections.reflectOnPeriod(userId, b.period);
      return c.json({ ...reflectionDto(reflection), method }, 201);
    },
  );

  for (const path of ["/reflections/generate", "/intelligence/reflections/generate"]) {
    app.openapi(
      createRoute({
        method: "post",
        path,
        tags: ["reflections"],
        summary: "Propose what to do with important memories nobody recalled for a week: enrich, reconsolidate or archive",
        middleware: scoped("write"),
        request: { query: generateQuery },
        responses: { 200: json(generatedSchema, "one reflection per candidate"), ...errors(400, 401, 403) },
      }),
      async (c) => {
        const made = await reflections.generate(userOf(c), c.req.valid("query").limit);
        return c.json({ reflections: made.map((m) => ({ ...reflectionDto(m.reflection), method: m.method })), count: made.length }, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: "post",
      path: "/growth/reflect",
      tags: ["growth"],
      summary: "Ask the LLM for one observation from a service's recent context; without an LLM nothing is observed (200 with the reason)",
      middleware: scoped("write"),
      request: jsonBody(growthBody),
      responses: {
        201: json(observedSchema, "an observation, stored as a growth memory and a reflection"),
        200: json(notObservedSchema, "nothing stored, and why"),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const b = c.req.valid("json");
      const out = await growth.reflect(userOf(c), { service: b.service, context: b.context, existingGrowth: b.existing_growth, promptOverride: b.prompt_override });
      if (out.observation === null) return c.json(out, 200);
      c.set("auditTargets", [out.stored_memory_id]);
      return c.json(out, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/growth/observations",
      tags: ["growth"],
      summary: "Your growth observations, newest first",
      middleware: scoped("read"),
      request: { query: observationsQuery },
      responses: { 200: json(observationsSchema, "the observations"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const rows = growth.observations(userOf(c), c.req.valid("query").limit);
      const observations = rows.map((m) => ({ id: m.id, content: m.content, source: m.source, importance: m.importance, created_at: m.createdAt }));
      return c.json({ observations, count: observations.length }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/growth/materialize",
      tags: ["growth"],
      summary: "Promote a growth observation to an insight memory (importance 8); the observation is superseded by it",
      middleware: scoped("write"),
      request: jsonBody(materializeBody),
      responses: { 201: json(materializedSchema, "the insight memory"), ...errors(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const id = c.req.valid("json").observation_id;
      const memory = await growth.materialize(userOf(c), id);
      c.set("auditTargets", [id, memory.id]);
      return c.json({ ok: true as const, memory_id: memory.id }, 201);
    },
  );
}
