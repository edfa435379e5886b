import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { MAX_CONTENT_BYTES, SIGNAL_TYPES, typeError, VALENCES } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, jsonBody, scoped, timestamp } from "./define.js";

const detectBody = z.object({
  content: z
    .string({ error: typeError("a string") })
    .min(1, "must not be empty")
    .refine((s) => Buffer.byteLength(s, "utf8") <= MAX_CONTENT_BYTES, `must be at most ${MAX_CONTENT_BYTES} bytes`),
});
const signalType = z.enum(SIGNAL_TYPES, { error: `must be one of ${SIGNAL_TYPES.join(", ")}` });
const postBody = z.object({
  signal_type: signalType,
  value: z.number({ error: typeError("a number") }).min(0).max(1),
  evidence: z.string({ error: typeError("a string") }).max(10_000).optional(),
  agent: z.string({ error: typeError("a string") }).max(100).optional(),
  subject: z.string({ error: typeError("a string") }).max(100).optional(),
  valence: z.enum(VALENCES, { error: `must be one of ${VALENCES.join(", ")}` }).optional(),
});
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50), type: signalType.optional() });

const detectedSchema = z.object({ signal_type: signalType, value: z.number(), subject: z.string(), valence: z.enum(VALENCES), source_text: z.string() });
const signalSchema = z
  .object({
    id: z.number().int(),
    memory_id: z.number().int().nullable().describe("the memory it was read from; null when posted by hand"),
    signal_type: z.string(),
    subject: z.string().nullable(),
    valence: z.string(),
    value: z.number(),
    intensity: z.number(),
    reasoning: z.string().nullable(),
    source_text: z.string().nullable(),
    evidence: z.string().nullable(),
    agent: z.string().nullable(),
    user_id: z.number().int(),
    created_at: timestamp,
  })
  .meta({ id: "PersonalitySignal" });
const traitsSchema = z.record(z.string(), z.number()).describe("mean intensity of each type's latest 200 signals; types without signals are absent");
const profileSchema = z
  .object({
    user_id: z.number().int(),
    traits: traitsSchema,
    counts: z.record(z.string(), z.number().int()),
    signal_count: z.number().int(),
    last_updated_at: timestamp,
    created_at: timestamp,
  })
  .meta({ id: "PersonalityProfile" });
const overviewFields = {
  user_id: z.number().int(),
  memory_count: z.number().int(),
  oldest_memory: timestamp.nullable(),
  newest_memory: timestamp.nullable(),
  avg_importance: z.number().nullable(),
  top_categories: z.array(z.object({ category: z.string(), count: z.number().int() })),
  top_tags: z.array(z.object({ tag: z.string(), count: z.number().int() })),
  personality_traits: traitsSchema,
};
const overviewSchema = z.object({ ...overviewFields, personality_summary: z.string().nullable() }).meta({ id: "UserProfile" });
const synthesizedSchema = z.object({ ...overviewFields, personality_summary: z.string(), method: z.enum(["rules", "llm"]) });

export function registerPersonalityRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { personality } = deps.engram;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;
  const tags = ["personality"];

  app.openapi(
    createRoute({
      method: "post",
      path: "/personality/detect",
      tags,
      summary: "Personality signals in a text, by the rules detector; stores nothing (a pure query: read scope)",
      middleware: scoped("read"),
      request: jsonBody(detectBody),
      responses: { 200: json(z.object({ signals: z.array(detectedSchema) }), "the signals found"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const signals = personality.detect(c.req.valid("json").content);
      return c.json({ signals: signals.map((s) => ({ signal_type: s.signal_type, value: s.value, subject: s.subject, valence: s.valence, source_text: s.source_text })) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/personality/signals",
      tags,
      summary: "Record a personality signal by hand (marks the profile stale)",
      middleware: scoped("write"),
      request: jsonBody(postBody),
      responses: { 201: json(signalSchema, "the signal"), ...errors(400, 401, 403) },
    }),
    (c) => c.json(personality.post(userOf(c), c.req.valid("json")), 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/personality/signals",
      tags,
      summary: "Your personality signals, newest first",
      middleware: scoped("read"),
      request: { query: listQuery },
      responses: { 200: json(z.object({ signals: z.array(signalSchema), count: z.number().int() }), "signals"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const q = c.req.valid("query");
      const signals = personality.list(userOf(c), q.limit, q.type);
      return c.json({ signals, count: signals.length }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/personality/profile/update",
      tags,
      summary: "Recompute your personality traits from your signals",
      middleware: scoped("write"),
      responses: { 200: json(profileSchema, "the profile"), ...errors(401, 403) },
    }),
    (c) => c.json(personality.updateProfile(userOf(c)), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/personality/profile",
      tags,
      summary: "Your personality traits (computed on first call and after new signals)",
      middleware: scoped("read"),
      responses: { 200: json(profileSchema, "the profile"), ...errors(401, 403) },
    }),
    (c) => c.json(personality.profile(userOf(c)), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/profile",
      tags,
      summary: "Your memory statistics, personality traits and last synthesized summary",
      middleware: scoped("read"),
      responses: { 200: json(overviewSchema, "the profile"), ...errors(401, 403) },
    }),
    (c) => c.json(personality.overview(userOf(c)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/profile/synthesize",
      tags,
      summary: "Re-detect signals from your latest 200 memories and write the personality summary",
      middleware: scoped("write"),
      responses: { 200: json(synthesizedSchema, "the profile with its new summary"), ...errors(401, 403) },
    }),
    async (c) => c.json(await personality.synthesize(userOf(c)), 200),
  );
}
