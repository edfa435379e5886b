import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { typeError } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, scoped, timestamp } from "./define.js";
import { limitQuery, optionalJsonBody } from "./intelligence-shapes.js";

const patternSchema = z
  .object({
    id: z.number().int(),
    label: z.string().describe('"dow:<0-6>,hour:<0-23>" (UTC; 0 = Sunday)'),
    detail: z.string(),
    pattern_type: z.string(),
    day_of_week: z.number().int(),
    hour: z.number().int(),
    category: z.string().nullable().describe("the bucket's most frequent category"),
    memory_ids: z.array(z.number().int()).describe("the bucket's newest memories, at most 50"),
    confidence: z.number().describe("share of the 90-day window's weeks the bucket occurred in"),
    created_at: timestamp,
  })
  .meta({ id: "TemporalPattern" });
const patternsSchema = z.object({ patterns: z.array(patternSchema) });
const recallSchema = z.object({
  time_context: z.object({ day_of_week: z.number().int(), weekday: z.string(), hour: z.number().int(), matched_patterns: z.array(z.string()) }),
  predicted_categories: z.array(z.string()),
  predicted_project: z.string().nullable().describe("the most frequent tag of the predicted memories"),
  proactive_memories: z.array(
    z.object({ id: z.number().int(), content: z.string(), category: z.string(), importance: z.number().int(), reason: z.string(), score: z.number() }),
  ),
  suggested_actions: z.array(z.string()),
});
const sequencesBody = z.object({
  window_mins: z.number({ error: typeError("an integer") }).int("must be an integer").min(1, "must be between 1 and 1440").max(1440, "must be between 1 and 1440").default(60),
});
const sequencesSchema = z.object({
  patterns: z.array(z.object({ antecedent: z.string(), consequent: z.string(), support: z.number().int(), confidence: z.number() })),
  window_mins: z.number().int(),
  count: z.number().int(),
});

export function registerTemporalRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { temporal } = deps.engram;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;

  app.openapi(
    createRoute({
      method: "post",
      path: "/intelligence/temporal/detect",
      tags: ["intelligence"],
      summary: "Find weekday/hour patterns (UTC) in your last 90 days of memories; replaces the earlier detection",
      middleware: scoped("write"),
      responses: { 200: json(patternsSchema, "the patterns found"), ...errors(401, 403) },
    }),
    (c) => c.json({ patterns: temporal.detect(userOf(c)) }, 200),
  );

  for (const path of ["/intelligence/temporal/patterns", "/intelligence/predictive/patterns"]) {
    app.openapi(
      createRoute({
        method: "get",
        path,
        tags: ["intelligence"],
        summary: "Your stored temporal patterns, most confident first",
        middleware: scoped("read"),
        request: { query: z.object({ limit: limitQuery(500, 20) }) },
        responses: { 200: json(patternsSchema, "the patterns"), ...errors(400, 401, 403) },
      }),
      (c) => c.json({ patterns: temporal.patterns(userOf(c), c.req.valid("query").limit) }, 200),
    );
  }

  app.openapi(
    createRoute({
      method: "post",
      path: "/intelligence/predictive/recall",
      tags: ["intelligence"],
      summary: "What your patterns of the current weekday and hour (UTC) predict (changes nothing)",
      middleware: scoped("read"),
      responses: { 200: json(recallSchema, "the prediction"), ...errors(401, 403) },
    }),
    (c) => c.json(temporal.predictiveRecall(userOf(c)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/intelligence/predictive/sequences",
      tags: ["intelligence"],
      summary: "Category A followed by category B within a window, over your last 90 days (changes nothing)",
      middleware: scoped("read"),
      request: optionalJsonBody(sequencesBody),
      responses: { 200: json(sequencesSchema, "the sequences, strongest first"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const windowMins = c.req.valid("json")?.window_mins ?? 60;
      const patterns = temporal.sequences(userOf(c), windowMins);
      return c.json({ patterns, window_mins: windowMins, count: patterns.length }, 200);
    },
  );
}
