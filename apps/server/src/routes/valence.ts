import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { contentSchema } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, jsonBody, scoped, timestamp } from "./define.js";
import { limitQuery, memoryIdField, memoryIdParam } from "./intelligence-shapes.js";

/** `{memory_id}` or `{content}`, exactly one. */
const memoryOrContent = z
  .object({ memory_id: memoryIdField.optional(), content: contentSchema.optional() })
  .superRefine((b, ctx) => {
    if (b.memory_id === undefined && b.content === undefined) ctx.addIssue({ code: "custom", path: ["content"], message: "is required when memory_id is not given" });
    if (b.memory_id !== undefined && b.content !== undefined) ctx.addIssue({ code: "custom", path: ["content"], message: "give memory_id or content, not both" });
  });

const emotionSchema = z.object({ emotion: z.string(), valence: z.number(), arousal: z.number() });
const scoreSchema = z
  .object({
    valence: z.number().describe("−1..1"),
    arousal: z.number().describe("0..1"),
    dominant_emotion: z.string().describe('"neutral" when no emotion word matched'),
    all_emotions: z.array(emotionSchema),
  })
  .meta({ id: "ValenceScore" });
const memoryValenceSchema = z.object({
  memory_id: z.number().int(),
  valence: z.number().nullable().describe("null until the memory's post-store job scored it"),
  arousal: z.number().nullable(),
  dominant_emotion: z.string().nullable(),
});
const profileSchema = z.object({
  emotions: z.array(z.object({ dominant_emotion: z.string(), count: z.number().int(), avg_valence: z.number(), avg_arousal: z.number() })),
  overall: z.object({
    avg_valence: z.number(),
    avg_arousal: z.number(),
    positive_count: z.number().int(),
    negative_count: z.number().int(),
    neutral_count: z.number().int(),
  }),
});
const sentimentSchema = z.object({
  score: z.number().describe("the sum, damped for texts over ten words"),
  label: z.enum(["positive", "negative", "neutral"]),
  sum: z.number(),
  word_count: z.number().int(),
});
const historyQuery = z.object({
  limit: limitQuery(100, 20),
  since: z.iso.datetime({ offset: true, error: "must be an ISO-8601 timestamp" }).optional(),
});
const historySchema = z.object({ history: z.array(z.object({ memory_id: z.number().int(), score: z.number(), created_at: timestamp })) });

export function registerValenceRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { valence } = deps.engram;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;

  app.openapi(
    createRoute({
      method: "post",
      path: "/intelligence/valence/score",
      tags: ["intelligence"],
      summary: "Score valence, arousal and emotions of text, or of a memory (whose columns are then updated)",
      middleware: scoped("write"),
      request: jsonBody(memoryOrContent),
      responses: { 200: json(scoreSchema, "the scores"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const body = c.req.valid("json");
      if (body.memory_id === undefined) return c.json(valence.scoreText(body.content!), 200);
      c.set("auditTargets", [body.memory_id]);
      return c.json(valence.scoreMemory(userOf(c), body.memory_id), 200);
    },
  );

  // Before /intelligence/valence/{memory_id}, which would otherwise take "profile" for an id.
  app.openapi(
    createRoute({
      method: "get",
      path: "/intelligence/valence/profile",
      tags: ["intelligence"],
      summary: "Your scored memories by dominant emotion, and overall means",
      middleware: scoped("read"),
      responses: { 200: json(profileSchema, "the profile"), ...errors(401, 403) },
    }),
    (c) => c.json(valence.profile(userOf(c)), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/intelligence/valence/{memory_id}",
      tags: ["intelligence"],
      summary: "A memory's stored valence, arousal and dominant emotion",
      middleware: scoped("read"),
      request: { params: memoryIdParam },
      responses: { 200: json(memoryValenceSchema, "the memory's scores"), ...errors(400, 401, 403, 404) },
    }),
    (c) => c.json(valence.of(userOf(c), c.req.valid("param").memory_id), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/intelligence/sentiment/analyze",
      tags: ["intelligence"],
      summary: "Word-level sentiment of text or of a memory (changes nothing)",
      middleware: scoped("read"),
      request: jsonBody(memoryOrContent),
      responses: { 200: json(sentimentSchema, "the sentiment"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const body = c.req.valid("json");
      return c.json(valence.sentiment(userOf(c), body.memory_id === undefined ? { content: body.content! } : { memory_id: body.memory_id }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/intelligence/sentiment/history",
      tags: ["intelligence"],
      summary: "Sentiment scores of your newest memories, newest first",
      middleware: scoped("read"),
      request: { query: historyQuery },
      responses: { 200: json(historySchema, "one score per memory"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const q = c.req.valid("query");
      const since = q.since === undefined ? undefined : new Date(q.since).toISOString();
      return c.json({ history: valence.sentimentHistory(userOf(c), q.limit, since) }, 200);
    },
  );
}
