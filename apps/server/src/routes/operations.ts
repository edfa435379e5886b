import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { appliedSchemaVersion, EngramError, MIGRATIONS } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { auditDto } from "../dto.js";
import { described, scoped } from "./define.js";

export const VERSION = "0.1.0";

const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  user_id: z.coerce.number().int().positive().optional(),
  before: z.coerce.number().int().positive().optional(),
});

export function registerOperationsRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { engram } = deps;
  const latestMigration = Math.max(...MIGRATIONS.map((m) => m.version));

  const health = () => ({ status: "ok", version: VERSION, uptime_secs: Math.round(process.uptime()) });
  app.get("/health", (c) => c.json(health()));
  app.get("/health/live", (c) => c.json({ status: "ok" }));
  app.get("/live", (c) => c.json({ status: "ok" }));

  const readiness = (): { ok: boolean; body: object } => {
    let database = "ok";
    try {
      if (appliedSchemaVersion(engram.db) !== latestMigration) database = "migrations pending";
    } catch (err) {
      database = `error: ${(err as Error).message}`;
    }
    const embedderStatus = engram.embedding.status();
    const reranker = engram.reranker;
    const checks = { database, embedder: embedderStatus === "error" ? "loading" : embedderStatus, reranker: reranker ? (reranker.ready() ? "loaded" : "loading") : "disabled" };
    const failing = database === "ok" ? [] : ["database"];
    return { ok: failing.length === 0, body: { status: failing.length ? "not_ready" : "ready", checks, failing } };
  };
  for (const path of ["/health/ready", "/ready"]) {
    app.get(path, (c) => {
      const r = readiness();
      return c.json(r.body, r.ok ? 200 : 503);
    });
  }

  app.openapi(
    createRoute({ method: "get", path: "/stats", tags: ["operations"], summary: "Your memory counts", middleware: scoped("read"), responses: described("counts") }),
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
      });
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
      responses: described("audit entries"),
    }),
    (c) => {
      const q = c.req.valid("query");
      return c.json({ entries: engram.audit.list({ limit: q.limit, userId: q.user_id, beforeId: q.before }).map(auditDto) });
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/admin/embedding-info",
      tags: ["operations"],
      summary: "The active embedding model and vector counts",
      middleware: scoped("admin"),
      responses: described("embedding info"),
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
      });
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
      responses: described("job started", 202),
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
      responses: described("job"),
    }),
    (c) => {
      const job = engram.embedding.job(c.req.valid("param").id);
      if (!job) throw new EngramError("not_found", "job not found");
      return c.json(job);
    },
  );
}
