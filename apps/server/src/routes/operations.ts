import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { appliedSchemaVersion, EngramError, MIGRATIONS, type AuditRow } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, scoped, timestamp } from "./define.js";

export const VERSION = "0.1.0";

const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  user_id: z.coerce.number().int().positive().optional(),
  before: z.coerce.number().int().positive().optional(),
});

const healthSchema = z.object({ status: z.literal("ok"), version: z.string(), uptime_secs: z.number().int() });
const liveSchema = z.object({ status: z.literal("ok") });
const readinessSchema = z.object({
  status: z.enum(["ready", "not_ready"]),
  checks: z.object({
    database: z.string().describe('"ok", "migrations pending" or "error: …"'),
    embedder: z.enum(["loaded", "loading", "disabled"]),
    reranker: z.enum(["loaded", "loading", "disabled"]),
  }),
  failing: z.array(z.string()),
});
const statsSchema = z.object({
  user_id: z.number().int(),
  memories: z.object({ active: z.number().int(), archived: z.number().int(), forgotten: z.number().int(), total: z.number().int() }),
  versions: z.object({ superseded: z.number().int(), rows: z.number().int() }),
  links: z.number().int(),
  tags: z.number().int(),
  spaces: z.number().int(),
});
const auditEntrySchema = z
  .object({
    id: z.number().int(),
    user_id: z.number().int().nullable(),
    key_id: z.number().int().nullable(),
    method: z.string(),
    route: z.string(),
    target_ids: z.array(z.number().int()),
    status: z.number().int(),
    remote_addr: z.string().nullable(),
    created_at: timestamp,
    count: z.number().int().describe('1, or for a row of counted refusals (route "*"): the refusals from this address in this minute'),
  })
  .meta({ id: "AuditEntry" });
const auditDto = (a: AuditRow): z.infer<typeof auditEntrySchema> => ({
  id: a.id,
  user_id: a.userId,
  key_id: a.keyId,
  method: a.method,
  route: a.route,
  target_ids: a.targetIds,
  status: a.status,
  remote_addr: a.remoteAddr,
  created_at: a.createdAt,
  count: a.count,
});
const embeddingInfoSchema = z.object({
  model: z.string().nullable(),
  dimension: z.number().int().nullable(),
  status: z.enum(["loaded", "loading", "error", "disabled"]),
  vectors: z.number().int(),
  pending: z.number().int(),
  other_model_vectors: z.number().int(),
});
const reembedJobSchema = z
  .object({
    id: z.number().int(),
    state: z.enum(["running", "done", "failed"]),
    total: z.number().int(),
    done: z.number().int(),
    error: z.string().nullable(),
    started_at: timestamp,
    finished_at: timestamp.nullable(),
  })
  .meta({ id: "ReembedJob" });

export function registerOperationsRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { engram } = deps;
  const latestMigration = Math.max(...MIGRATIONS.map((m) => m.version));

  const health = () => ({ status: "ok" as const, version: VERSION, uptime_secs: Math.round(process.uptime()) });
  app.openapi(
    createRoute({ method: "get", path: "/health", tags: ["operations"], summary: "Liveness with the version", responses: { 200: json(healthSchema, "alive"), ...errors() } }),
    (c) => c.json(health(), 200),
  );
  for (const path of ["/health/live", "/live"]) {
    app.openapi(
      createRoute({ method: "get", path, tags: ["operations"], summary: "Liveness", responses: { 200: json(liveSchema, "alive"), ...errors() } }),
      (c) => c.json({ status: "ok" as const }, 200),
    );
  }

  const readiness = (): { ok: boolean; body: z.infer<typeof readinessSchema> } => {
    let database = "ok";
    try {
      if (appliedSchemaVersion(engram.db) !== latestMigration) database = "migrations pending";
    } catch (err) {
      database = `error: ${(err as Error).message}`;
    }
    const embedderStatus = engram.embedding.status();
    const reranker = engram.reranker;
    const checks: z.infer<typeof readinessSchema>["checks"] = { database, embedder: embedderStatus === "error" ? "loading" : embedderStatus, reranker: reranker ? (reranker.ready() ? "loaded" : "loading") : "disabled" };
    const failing = database === "ok" ? [] : ["database"];
    return { ok: failing.length === 0, body: { status: failing.length ? "not_ready" : "ready", checks, failing } };
  };
  for (const path of ["/health/ready", "/ready"]) {
    app.openapi(
      createRoute({
        method: "get",
        path,
        tags: ["operations"],
        summary: "Readiness: the database is migrated (the models may still be loading)",
        responses: { 200: json(readinessSchema, "ready"), 503: json(readinessSchema, "not ready: see failing"), ...errors() },
      }),
      (c) => {
        const r = readiness();
        return c.json(r.body, r.ok ? 200 : 503);
      },
    );
  }

  app.openapi(
    createRoute({ method: "get", path: "/stats", tags: ["operations"], summary: "Your memory counts", middleware: scoped("read"), responses: { 200: json(statsSchema, "counts"), ...errors(401, 403) } }),
    (c) => {
      const userId = c.get("principal").user.id;
      const s = engram.memories.stats(userId);
      return c.json({
        user_id: userId,
        memories: { active: s.active, archived: s.archived, forgotten: s.forgotten, total: s.active + s.archived + s.forgotten },
        versions: { superseded: s.superseded_versions, rows: s.rows },
        links: s.links,
        tags: engram.memories.tagCounts(userId).length,
        spaces: engram.auth.listSpaces(userId).length,
      }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/audit",
      tags: ["operations"],
      summary: "Every mutation, newest first (admin)",
      middleware: scoped("admin"),
      request: { query: auditQuery },
      responses: { 200: json(z.object({ entries: z.array(auditEntrySchema) }), "audit entries"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const q = c.req.valid("query");
      return c.json({ entries: engram.audit.list({ limit: q.limit, userId: q.user_id, beforeId: q.before }).map(auditDto) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/admin/embedding-info",
      tags: ["operations"],
      summary: "The active embedding model and vector counts",
      middleware: scoped("admin"),
      responses: { 200: json(embeddingInfoSchema, "embedding info"), ...errors(401, 403) },
    }),
    (c) => {
      const model = engram.vectors.model;
      const counts = engram.vectors.counts();
      return c.json({
        model: model?.id ?? engram.embedding.embedder?.id ?? null,
        dimension: model?.dimension ?? null,
        status: engram.embedding.status(),
        vectors: counts.vectors,
        pending: counts.pending,
        other_model_vectors: counts.otherModels,
      }, 200);
    },
  );

  const jobParam = z.object({ id: z.coerce.number().int().positive() });
  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/reembed",
      tags: ["operations"],
      summary: "Embed every memory that lacks a vector of the active model, in the background",
      middleware: scoped("admin"),
      responses: { 202: json(reembedJobSchema.extend({ job_id: z.number().int() }), "job started"), ...errors(401, 403, 409) },
    }),
    (c) => {
      const job = engram.embedding.reembed();
      if (!job) throw new EngramError("conflict", "embeddings are disabled (ENGRAM_EMBEDDING_PROVIDER=none)");
      return c.json({ job_id: job.id, ...job }, 202);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/admin/reembed/{id}",
      tags: ["operations"],
      summary: "Progress of a re-embedding job",
      middleware: scoped("admin"),
      request: { params: jobParam },
      responses: { 200: json(reembedJobSchema, "job"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const job = engram.embedding.job(c.req.valid("param").id);
      if (!job) throw new EngramError("not_found", "job not found");
      return c.json(job, 200);
    },
  );
}
