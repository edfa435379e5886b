import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { PROMPT_FORMATS, typeError, type PromptResult, type TaskHeader } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, jsonBody, scoped, timestamp } from "./define.js";

/**
 * Prompt material (contracts/platform.md §8.1 POST /header, contracts/services.md §18 GET /prompt):
 * who wrote the caller's recent memories, and its memories packed for a system prompt.
 */

const label = (max: number) =>
  z
    .string({ error: typeError("a string") })
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`);

const headerBody = z.object({
  actor_model: label(100).default("unknown"),
  actor_role: label(100).default("assistant"),
  // The reference's clients send the task here; the header does not depend on it (contract §8.1).
  context: z.string({ error: typeError("a string") }).max(10_000).optional(),
  limit: z.number({ error: typeError("an integer") }).int("must be an integer").min(1, "must be between 1 and 30").max(30, "must be between 1 and 30").default(10),
});

const priorWorkSchema = z.object({
  id: z.number().int(),
  model: z.string(),
  source: z.string(),
  category: z.string(),
  summary: z.string().describe("The memory's first 200 characters"),
  created_at: timestamp,
});
const headerSchema = z
  .object({
    header: z.object({
      actor_model: z.string(),
      actor_role: z.string(),
      prior_models: z.array(z.string()).describe("Other models that wrote the memories read, most recent first"),
      prior_work_count: z.number().int(),
      prior_work: z.array(priorWorkSchema),
    }),
    text: z.string().describe("The header as Markdown, for the top of a system prompt"),
    actor_model: z.string(),
    prior_models: z.array(z.string()),
  })
  .meta({ id: "TaskHeader" });

function headerDto(h: TaskHeader): z.infer<typeof headerSchema> {
  return {
    header: {
      actor_model: h.actorModel,
      actor_role: h.actorRole,
      prior_models: h.priorModels,
      prior_work_count: h.priorWork.length,
      prior_work: h.priorWork.map((w) => ({ id: w.id, model: w.model, source: w.source, category: w.category, summary: w.summary, created_at: w.createdAt })),
    },
    text: h.text,
    actor_model: h.actorModel,
    prior_models: h.priorModels,
  };
}

const promptQuery = z.object({
  format: z.enum(PROMPT_FORMATS, { error: `must be one of ${PROMPT_FORMATS.join(", ")}` }).default("raw"),
  tokens: z.coerce
    .number({ error: "must be a number" })
    .int("must be an integer")
    .min(100, "must be between 100 and 128000")
    .max(128_000, "must be between 100 and 128000")
    .default(4000),
  context: z.string().max(10_000, "must be at most 10000 characters").optional(),
});

const promptSchema = z
  .object({
    prompt: z.string(),
    format: z.enum(PROMPT_FORMATS),
    memories_included: z.number().int(),
    tokens_estimated: z.number().int().describe("Characters / 4 + 10 per memory packed; never more than `tokens`"),
  })
  .meta({ id: "Prompt" });

const promptDto = (p: PromptResult): z.infer<typeof promptSchema> => ({
  prompt: p.prompt,
  format: p.format,
  memories_included: p.memoriesIncluded,
  tokens_estimated: p.tokensEstimated,
});

export function registerPromptRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { prompt } = deps.engram;

  app.openapi(
    createRoute({
      method: "post",
      path: "/header",
      tags: ["context"],
      summary: "A task header for a model: which of the newest memories other models wrote",
      middleware: scoped("read"),
      request: jsonBody(headerBody),
      responses: { 200: json(headerSchema, "the header, as data and as text"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const b = c.req.valid("json");
      const header = prompt.header(c.get("principal").user.id, { actorModel: b.actor_model, actorRole: b.actor_role, limit: b.limit });
      return c.json(headerDto(header), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/prompt",
      tags: ["context"],
      summary: "Memories packed into a token budget and wrapped for a system prompt (raw, anthropic, openai, llamaindex)",
      middleware: scoped("read"),
      request: { query: promptQuery },
      responses: { 200: json(promptSchema, "the prompt text and what it holds"), ...errors(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const result = await prompt.prompt(c.get("principal").user.id, { format: q.format, budget: q.tokens, context: q.context });
      return c.json(promptDto(result), 200);
    },
  );
}
