import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { MiddlewareHandler } from "hono";
import { DEFAULT_TOOL_TIMEOUT_MS, DEGRADED_BELOW, EngramError, MAX_TOOL_TIMEOUT_MS, SESSION_BACKENDS, typeError } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, idParam, json, jsonBody, queryBool, scoped, timestamp } from "./define.js";
import { limitQuery, optionalJsonBody } from "./intelligence-shapes.js";

const MAX_METADATA_BYTES = 16 * 1024;

const timeoutField = z
  .number({ error: typeError("an integer") })
  .int("must be an integer")
  .min(1, `must be between 1 and ${MAX_TOOL_TIMEOUT_MS}`)
  .max(MAX_TOOL_TIMEOUT_MS, `must be between 1 and ${MAX_TOOL_TIMEOUT_MS}`);

const sessionBody = z.object({
  name: z.string({ error: typeError("a string") }).trim().min(1, "must not be empty").max(200, "must be at most 200 characters").optional(),
  backend: z.enum(SESSION_BACKENDS, { error: `must be one of ${SESSION_BACKENDS.join(", ")}` }).default("shell"),
  timeout_ms: timeoutField.default(DEFAULT_TOOL_TIMEOUT_MS),
  max_retries: z.number({ error: typeError("an integer") }).int("must be an integer").min(0, "must be between 0 and 5").max(5, "must be between 0 and 5").default(0),
  metadata: z
    .record(z.string(), z.unknown(), { error: "must be an object" })
    .refine((m) => Buffer.byteLength(JSON.stringify(m), "utf8") <= MAX_METADATA_BYTES, `must be at most ${MAX_METADATA_BYTES} bytes as JSON`)
    .default({}),
});
const executeBody = z.object({
  tool: z.string({ error: typeError("a string") }).trim().min(1, "must not be empty"),
  args: z.record(z.string(), z.unknown(), { error: "must be an object" }).optional(),
  session_id: z.number({ error: typeError("an integer") }).int("must be an integer").positive("must be a positive integer").optional(),
  timeout_ms: timeoutField.optional(),
});

const sessionSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    backend: z.enum(SESSION_BACKENDS),
    status: z.literal("connected"),
    tools: z.array(z.string()).describe("the backend's tools; only shell and system have any here"),
    timeout_ms: z.number().int(),
    max_retries: z.number().int().describe("retries of a failed read-only tool; shell_exec is never re-run"),
    created_at: timestamp,
    last_activity_at: timestamp,
    metadata: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "GroundingSession" });
const toolSchema = z.object({
  name: z.string(),
  description: z.string(),
  parameters: z.record(z.string(), z.object({ type: z.string(), required: z.boolean(), description: z.string() })),
  backend_type: z.string(),
  retriable: z.boolean(),
});
const executeSchema = z.object({
  status: z.enum(["success", "error"]),
  content: z.string(),
  error: z.string().nullable(),
  execution_time_ms: z.number(),
});
const qualitySchema = z.object({
  records: z.array(
    z.object({
      tool_key: z.string(),
      backend: z.string(),
      server: z.string(),
      tool_name: z.string(),
      total_calls: z.number().int(),
      total_successes: z.number().int(),
      total_failures: z.number().int(),
      avg_execution_ms: z.number(),
      quality_score: z.number().describe("share of successful calls"),
      last_execution_at: timestamp.nullable(),
    }),
  ),
  count: z.number().int(),
});

export function registerGroundingRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { grounding } = deps.engram;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;
  // Before the body is read: with execution off, nobody learns more than that.
  const execEnabled: MiddlewareHandler<AppEnv> = async (_c, next) => {
    if (!grounding.execEnabled) throw new EngramError("forbidden", "grounding execution is disabled on this server (ENGRAM_GROUNDING_EXEC=1 enables it)");
    await next();
  };

  app.openapi(
    createRoute({
      method: "post",
      path: "/grounding/sessions",
      tags: ["grounding"],
      summary: "Open a tool session (held in memory; lost on restart)",
      middleware: scoped("write"),
      request: optionalJsonBody(sessionBody),
      responses: { 201: json(sessionSchema, "the new session"), ...errors(400, 401, 403, 409) },
    }),
    (c) => c.json(grounding.createSession(userOf(c), c.req.valid("json") ?? sessionBody.parse({})), 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/grounding/sessions",
      tags: ["grounding"],
      summary: "Your open tool sessions",
      middleware: scoped("read"),
      responses: { 200: json(z.object({ sessions: z.array(sessionSchema), count: z.number().int() }), "the sessions"), ...errors(401, 403) },
    }),
    (c) => {
      const sessions = grounding.listSessions(userOf(c));
      return c.json({ sessions, count: sessions.length }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/grounding/sessions/{id}",
      tags: ["grounding"],
      summary: "One of your tool sessions",
      middleware: scoped("read"),
      request: { params: idParam },
      responses: { 200: json(sessionSchema, "the session"), ...errors(400, 401, 403, 404) },
    }),
    (c) => c.json(grounding.session(userOf(c), c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/grounding/sessions/{id}",
      tags: ["grounding"],
      summary: "Close one of your tool sessions",
      middleware: scoped("write"),
      request: { params: idParam },
      responses: { 200: json(z.object({ destroyed: z.literal(true), id: z.number().int() }), "closed"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const { id } = c.req.valid("param");
      grounding.destroySession(userOf(c), id);
      return c.json({ destroyed: true as const, id }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/grounding/tools",
      tags: ["grounding"],
      summary: "The grounding tools and their parameters",
      middleware: scoped("read"),
      responses: { 200: json(z.object({ tools: z.array(toolSchema), count: z.number().int() }), "the tools"), ...errors(401, 403) },
    }),
    (c) => {
      const tools = grounding.tools();
      return c.json({ tools, count: tools.length }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/grounding/providers",
      tags: ["grounding"],
      summary: "The tool backends this server has, and whether execution is enabled",
      middleware: scoped("read"),
      responses: {
        200: json(
          z.object({ providers: z.array(z.object({ name: z.string(), type: z.string(), status: z.enum(["available", "disabled"]), tools: z.number().int() })), count: z.number().int() }),
          "the providers",
        ),
        ...errors(401, 403),
      },
    }),
    (c) => {
      const providers = grounding.providers();
      return c.json({ providers, count: providers.length }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/grounding/execute",
      tags: ["grounding"],
      summary: "Run a grounding tool on the server host (admin; only with ENGRAM_GROUNDING_EXEC=1)",
      middleware: [scoped("admin"), execEnabled] as const,
      request: jsonBody(executeBody),
      responses: { 200: json(executeSchema, "the tool's outcome (a failing tool is status error, not an HTTP error)"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      return c.json(await grounding.execute(userOf(c), { tool: body.tool, args: body.args, session_id: body.session_id, timeout_ms: body.timeout_ms }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/grounding/quality",
      tags: ["grounding"],
      summary: `Your tools' call counts, mean time and success share (degraded: below ${DEGRADED_BELOW})`,
      middleware: scoped("read"),
      request: { query: z.object({ limit: limitQuery(200, 50), degraded: queryBool.optional() }) },
      responses: { 200: json(qualitySchema, "the records, most recently used first"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const q = c.req.valid("query");
      const records = grounding.qualityRecords(userOf(c), q.limit, q.degraded ?? false);
      return c.json({ records, count: records.length }, 200);
    },
  );
}
