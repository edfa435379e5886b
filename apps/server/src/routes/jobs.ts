import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import { EngramError, hasScope, JOB_STATUSES, type JobRow, type JobScope } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, idParam, json, jsonBody, scoped, timestamp } from "./define.js";

const parseJson = (text: string | null): unknown => {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

const jobStatusSchema = z.enum(JOB_STATUSES);
const jobSchema = z
  .object({
    id: z.number().int(),
    type: z.string(),
    status: jobStatusSchema,
    user_id: z.number().int().nullable().describe("null for system jobs"),
    payload: z.unknown().describe("The job's JSON payload"),
    attempts: z.number().int(),
    max_attempts: z.number().int(),
    run_at: timestamp,
    error: z.string().nullable(),
    result: z.unknown().describe("The handler's JSON result, null until it completes"),
    dedupe_key: z.string().nullable(),
    created_at: timestamp,
    started_at: timestamp.nullable(),
    completed_at: timestamp.nullable(),
    updated_at: timestamp,
  })
  .meta({ id: "Job" });
const jobListSchema = z.object({ jobs: z.array(jobSchema), count: z.number().int(), limit: z.number().int(), offset: z.number().int() });
const countsByStatus = { pending: z.number().int(), running: z.number().int(), completed: z.number().int(), failed: z.number().int() };
const jobStatsSchema = z.object({
  ...countsByStatus,
  total: z.number().int(),
  by_type: z.record(z.string(), z.object(countsByStatus)),
});
const retriedOneSchema = z.object({ retried: z.literal(true), id: z.number().int(), job: jobSchema });
const retriedSchema = z.object({ retried: z.number().int(), ids: z.array(z.number().int()) });
const purgedSchema = z.object({ purged: z.number().int(), status: z.enum(["failed", "completed", "pending", "all"]), before: timestamp.nullable() });
const cleanedSchema = z.object({ cleaned: z.number().int(), before: timestamp });

const jobDto = (j: JobRow): z.infer<typeof jobSchema> => ({
  id: j.id,
  type: j.type,
  status: j.status,
  user_id: j.userId,
  payload: parseJson(j.payload),
  attempts: j.attempts,
  max_attempts: j.maxAttempts,
  run_at: j.runAt,
  error: j.error,
  result: parseJson(j.result),
  dedupe_key: j.dedupeKey,
  created_at: j.createdAt,
  started_at: j.startedAt,
  completed_at: j.completedAt,
  updated_at: j.updatedAt,
});

const userIdParam = z.coerce.number({ error: "must be a number" }).int("must be an integer").positive("must be a positive integer");
const typeParam = z.string().trim().min(1, "must not be empty").max(100);
const page = {
  limit: z.coerce.number({ error: "must be a number" }).int("must be an integer").min(1).max(1000).default(50),
  offset: z.coerce.number({ error: "must be a number" }).int("must be an integer").min(0).default(0),
  type: typeParam.optional(),
  user_id: userIdParam.optional(),
};
const listQuery = z.object({ ...page, status: z.enum(JOB_STATUSES).optional() });
const statusListQuery = z.object(page);
const statsQuery = z.object({ user_id: userIdParam.optional() });
const retryBody = z.object({ type: typeParam.optional(), kind: typeParam.optional(), user_id: userIdParam.optional() });
const cutoff = {
  before: z.iso.datetime({ offset: true, error: "must be an ISO-8601 date-time" }).optional(),
  older_than_days: z.number({ error: "must be a number" }).min(0, "must not be negative").max(36_500).optional(),
  user_id: userIdParam.optional(),
};
const purgeBody = z.object({ status: z.enum(["failed", "completed", "pending", "all"]).optional(), type: typeParam.optional(), ...cutoff });
const cleanupBody = z.object({ type: typeParam.optional(), ...cutoff });

/** Bodies are optional on these routes: an empty POST means "the defaults". */
const optionalJson = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: false },
});

const DAY_MS = 86_400_000;

/**
 * The job queue over HTTP. Tenancy: a key without the admin scope sees and acts on its own
 * user's jobs only (another tenant's job id is a 404); an admin key sees every job, system
 * jobs (no user) included, and may narrow to one tenant with `user_id`.
 */
export function registerJobRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { jobs, clock } = deps.engram;

  const scopeOf = (c: Context<AppEnv>, userId: number | undefined): JobScope => {
    const p = c.get("principal");
    if (hasScope(p.scopes, "admin")) return userId === undefined ? { kind: "all" } : { kind: "user", userId };
    if (userId !== undefined && userId !== p.user.id) throw new EngramError("forbidden", "user_id: only an admin key may act on another user's jobs");
    return { kind: "user", userId: p.user.id };
  };

  /** `before` wins over `older_than_days`; with neither, the default age applies. */
  const cutoffOf = (b: { before?: string | undefined; older_than_days?: number | undefined }, defaultMs: number | undefined) => {
    if (b.before !== undefined) return new Date(b.before);
    if (b.older_than_days !== undefined) return new Date(clock.now().getTime() - b.older_than_days * DAY_MS);
    return defaultMs === undefined ? undefined : new Date(clock.now().getTime() - defaultMs);
  };

  app.openapi(
    createRoute({
      method: "get",
      path: "/jobs",
      tags: ["jobs"],
      summary: "Background jobs, newest first (pending ones in run order)",
      middleware: scoped("read"),
      request: { query: listQuery },
      responses: { 200: json(jobListSchema, "jobs"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const q = c.req.valid("query");
      const rows = jobs.list(scopeOf(c, q.user_id), { status: q.status, type: q.type, limit: q.limit, offset: q.offset });
      return c.json({ jobs: rows.map(jobDto), count: rows.length, limit: q.limit, offset: q.offset }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/jobs/stats",
      tags: ["jobs"],
      summary: "Job counts by status and by type",
      middleware: scoped("read"),
      request: { query: statsQuery },
      responses: { 200: json(jobStatsSchema, "counts"), ...errors(400, 401, 403) },
    }),
    (c) => c.json(jobs.stats(scopeOf(c, c.req.valid("query").user_id)), 200),
  );

  for (const status of ["pending", "running", "failed"] as const) {
    app.openapi(
      createRoute({
        method: "get",
        path: `/jobs/${status}`,
        tags: ["jobs"],
        summary: status === "failed" ? "Dead-lettered jobs (attempts exhausted), with their last error" : `Jobs that are ${status}`,
        middleware: scoped("read"),
        request: { query: statusListQuery },
        responses: { 200: json(jobListSchema, "jobs"), ...errors(400, 401, 403) },
      }),
      (c) => {
        const q = c.req.valid("query");
        const rows = jobs.list(scopeOf(c, q.user_id), { status, type: q.type, limit: q.limit, offset: q.offset });
        return c.json({ jobs: rows.map(jobDto), count: rows.length, limit: q.limit, offset: q.offset }, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: "get",
      path: "/jobs/{id}",
      tags: ["jobs"],
      summary: "One job",
      middleware: scoped("read"),
      request: { params: idParam },
      responses: { 200: json(jobSchema, "the job"), ...errors(400, 401, 403, 404) },
    }),
    (c) => c.json(jobDto(jobs.get(scopeOf(c, undefined), c.req.valid("param").id)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/jobs/{id}/retry",
      tags: ["jobs"],
      summary: "Move one failed job back to pending with fresh attempts",
      middleware: scoped("write"),
      request: { params: idParam },
      responses: { 200: json(retriedOneSchema, "the job, pending again"), ...errors(400, 401, 403, 404, 409) },
    }),
    (c) => {
      const { id } = c.req.valid("param");
      const job = jobs.retryOne(scopeOf(c, undefined), id);
      c.set("auditTargets", [id]);
      return c.json({ retried: true as const, id, job: jobDto(job) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/jobs/retry",
      tags: ["jobs"],
      summary: "Move every failed job (optionally of one type) back to pending",
      middleware: scoped("write"),
      request: optionalJson(retryBody),
      responses: { 200: json(retriedSchema, "how many were retried"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const b = c.req.valid("json") ?? {};
      const ids = jobs.retryFailed(scopeOf(c, b.user_id), b.type ?? b.kind);
      c.set("auditTargets", ids);
      return c.json({ retried: ids.length, ids }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/jobs/purge",
      tags: ["jobs"],
      summary: "Delete failed jobs (or completed, pending, all but running), optionally of one type or older than a cutoff",
      middleware: scoped("write"),
      request: optionalJson(purgeBody),
      responses: { 200: json(purgedSchema, "how many were deleted"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const b = c.req.valid("json") ?? {};
      const status = b.status ?? "failed";
      const statuses = status === "all" ? (["failed", "completed", "pending"] as const) : ([status] as const);
      const before = cutoffOf(b, undefined);
      const purged = jobs.purge(scopeOf(c, b.user_id), { statuses, before, type: b.type });
      return c.json({ purged, status, before: before?.toISOString() ?? null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/jobs/cleanup",
      tags: ["jobs"],
      summary: "Delete completed jobs (optionally of one type) older than a cutoff (default: 7 days)",
      middleware: scoped("write"),
      request: optionalJson(cleanupBody),
      responses: { 200: json(cleanedSchema, "how many were deleted"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const b = c.req.valid("json") ?? {};
      const before = cutoffOf(b, 7 * DAY_MS)!;
      return c.json({ cleaned: jobs.cleanup(scopeOf(c, b.user_id), { before, type: b.type }), before: before.toISOString() }, 200);
    },
  );
}
