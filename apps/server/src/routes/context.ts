import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { CONTEXT_MODES, CONTEXT_SECTIONS, CONTEXT_STRATEGIES, typeError, type AssembledContext } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, jsonBody, scoped } from "./define.js";

const DEFAULT_BUDGET = 8000;
const budget = z.number({ error: typeError("a number") }).int("must be an integer").min(1, "must be at least 1").max(1_000_000, "must be at most 1000000");

const contextBody = z
  .object({
    query: z.string({ error: typeError("a string") }).max(10_000).refine((s) => s.trim().length > 0, "must not be empty"),
    // The reference's clients use all three names for the budget.
    max_tokens: budget.optional(),
    token_budget: budget.optional(),
    budget: budget.optional(),
    strategy: z.enum(CONTEXT_STRATEGIES).default("balanced"),
    mode: z.enum(CONTEXT_MODES).default("balanced"),
    session: z.string().max(200).optional(),
    space_id: z.number().int().positive().optional(),
  })
  .transform(({ max_tokens, token_budget, budget: b, ...rest }) => ({ ...rest, budget: max_tokens ?? token_budget ?? b ?? DEFAULT_BUDGET }));

const ms = (x: number) => Math.round(x * 100) / 100;

const contextSchema = z
  .object({
    context: z.string(),
    blocks: z.array(
      z.object({
        id: z.number().int(),
        section: z.enum(CONTEXT_SECTIONS),
        category: z.string(),
        source: z.string(),
        score: z.number(),
        tokens: z.number().int(),
        content: z.string(),
      }),
    ).describe("The memories shown, in the order the context shows them"),
    duplicates: z
      .array(z.object({ id: z.number().int(), of: z.number().int() }))
      .describe("Memories left out because they repeat one shown: `of` is the id of the one shown"),
    token_estimate: z.number().int(),
    token_budget: z.number().int(),
    utilization: z.number(),
    strategy: z.enum(CONTEXT_STRATEGIES),
    mode: z.enum(CONTEXT_MODES),
    breakdown: z.record(z.enum(CONTEXT_SECTIONS), z.number().int()).describe("Tokens used by each section"),
    timing: z.object({ search_ms: z.number(), assemble_ms: z.number(), total_ms: z.number() }),
  })
  .meta({ id: "Context" });

function contextDto(a: AssembledContext): z.infer<typeof contextSchema> {
  return {
    context: a.context,
    blocks: a.blocks.map((b) => ({ id: b.id, section: b.section, category: b.category, source: b.source, score: b.score, tokens: b.tokens, content: b.content })),
    duplicates: a.duplicates.map((d) => ({ id: d.id, of: d.of })),
    token_estimate: a.tokenEstimate,
    token_budget: a.tokenBudget,
    utilization: a.utilization,
    strategy: a.strategy,
    mode: a.mode,
    breakdown: a.breakdown,
    timing: { search_ms: ms(a.timing.search), assemble_ms: ms(a.timing.assemble), total_ms: ms(a.timing.total) },
  };
}

export function registerContextRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { context, fsrs } = deps.engram;
  const assemble = (userId: number, b: z.output<typeof contextBody>, onProgress?: Parameters<typeof context.assemble>[2]) =>
    context.assemble(userId, { query: b.query, budget: b.budget, strategy: b.strategy, mode: b.mode, session: b.session, spaceId: b.space_id }, onProgress);

  app.openapi(
    createRoute({
      method: "post",
      path: "/context",
      tags: ["search"],
      summary: "Context for a prompt within a token budget: static facts, search hits, session, linked and recent memories",
      middleware: scoped("read"),
      request: jsonBody(contextBody),
      responses: { 200: json(contextSchema, "the assembled context"), ...errors(400, 401, 403) },
    }),
    async (c) => {
      const userId = c.get("principal").user.id;
      const result = await assemble(userId, c.req.valid("json"));
      // What the client was given counts as recalled.
      fsrs.queueImplicitReview(userId, result.blocks.map((b) => b.id));
      return c.json(contextDto(result), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/context/stream",
      tags: ["search"],
      summary: "As /context, sent as server-sent events: progress events, then one result event",
      middleware: scoped("read"),
      request: jsonBody(contextBody),
      responses: {
        200: {
          description: "progress events, then one result event whose data is the Context that POST /context answers",
          content: { "text/event-stream": { schema: z.string() } },
        },
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const userId = c.get("principal").user.id;
      const body = c.req.valid("json");
      return streamSSE(c, async (stream) => {
        const progress: Promise<void>[] = [];
        const result = await assemble(userId, body, (p) => progress.push(stream.writeSSE({ event: "progress", data: JSON.stringify(p) })));
        await Promise.all(progress);
        fsrs.queueImplicitReview(userId, result.blocks.map((b) => b.id));
        await stream.writeSSE({ event: "result", data: JSON.stringify(contextDto(result)) });
      });
    },
  );
}
