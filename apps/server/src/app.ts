import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import type { AppEnv, ServerDeps } from "./env.js";
import { describeZodError, errorResponse } from "./errors.js";
import { authenticate, requireScope } from "./middleware/auth.js";
import { audit } from "./middleware/audit.js";
import { rateLimit, RateLimiter } from "./middleware/rate-limit.js";
import { failedAuthLimit } from "./middleware/failed-auth-limit.js";
import { loopbackOnly } from "./middleware/open-access.js";
import { jsonDepthLimit } from "./middleware/json-depth.js";
import { createMetrics } from "./metrics.js";
import { registerAuthRoutes } from "./routes/auth.js";
import { registerMemoryRoutes } from "./routes/memories.js";
import { registerSearchRoutes } from "./routes/search.js";
import { registerContextRoutes } from "./routes/context.js";
import { registerPromptRoutes } from "./routes/prompt.js";
import { registerDigestRoutes } from "./routes/digests.js";
import { registerBatchRoutes } from "./routes/batch.js";
import { registerAdminRoutes } from "./routes/admin.js";
import { registerTenantRoutes } from "./routes/tenants.js";
import { maintenanceMode } from "./middleware/maintenance.js";
import { registerGuardRoutes } from "./routes/guard.js";
import { registerInboxRoutes } from "./routes/inbox.js";
import { registerGateRoutes } from "./routes/gate.js";
import { registerApprovalRoutes } from "./routes/approvals.js";
import { registerFsrsRoutes } from "./routes/fsrs.js";
import { registerOperationsRoutes, VERSION } from "./routes/operations.js";
import { registerJobRoutes } from "./routes/jobs.js";
import { registerGraphRoutes } from "./routes/graph.js";
import { registerGraphExploreRoutes } from "./routes/graph-explore.js";
import { registerEntityRoutes } from "./routes/entities.js";
import { registerFactRoutes } from "./routes/facts.js";
import { registerMaintenanceRoutes } from "./routes/maintenance.js";
import { registerReflectionRoutes } from "./routes/reflections.js";
import { registerValenceRoutes } from "./routes/valence.js";
import { registerCausalRoutes } from "./routes/causal.js";
import { registerTemporalRoutes } from "./routes/temporal.js";
import { registerReconsolidationRoutes } from "./routes/reconsolidation.js";
import { registerIntelligenceRunRoutes } from "./routes/intelligence-run.js";
import { registerGroundingRoutes } from "./routes/grounding.js";
import { registerConversationRoutes } from "./routes/conversations.js";
import { registerAddRoutes } from "./routes/add.js";
import { registerEpisodeRoutes } from "./routes/episodes.js";
import { registerPersonalityRoutes } from "./routes/personality.js";
import { registerIngestRoutes } from "./routes/ingest.js";
import { registerPortabilityRoutes } from "./routes/portability.js";
import { registerBackupRoutes } from "./routes/backup.js";
import { matchedRoute } from "./route-path.js";
import { errors } from "./routes/define.js";

export interface AppOptions extends ServerDeps {
  log: Logger;
  maxBodyBytes: number;
  /** Body limit of /ingest and /ingest/upload/* (ENGRAM_INGEST_MAX_BODY_BYTES); every other route keeps maxBodyBytes. */
  ingestMaxBodyBytes: number;
  /** Body limit of /import* (ENGRAM_MAX_IMPORT_BYTES). */
  importMaxBodyBytes: number;
  /** Body limit of POST /backup/verify (ENGRAM_MAX_BACKUP_UPLOAD_BYTES); the upload is streamed to disk. */
  backupUploadMaxBytes: number;
  rateLimit: { enabled: boolean; perMinute: number; perUserPerMinute: number };
  /** Failed authentications per client address per minute before the address is refused unchecked. */
  authFailuresPerMinute: number;
  /** /metrics without a key; otherwise it needs the admin scope. */
  metricsPublic: boolean;
}

/**
 * The whole HTTP surface. Order matters: metrics and logs see everything; audit sees every
 * refusal below it and the principal; the open-access guard and the per-address limit of
 * failed authentications act before any key is looked at.
 */
export function createApp(opts: AppOptions) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return c.json({ error: describeZodError(result.error) }, 400);
    },
  });
  const metrics = createMetrics(opts.engram);

  app.onError((err, c) => {
    const handled = errorResponse(err, c);
    if (handled) return handled;
    opts.log.error({ err, method: c.req.method, path: c.req.path }, "unhandled error");
    return c.json({ error: "internal server error" }, 500);
  });
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));

  app.use("*", metrics.middleware);
  app.use("*", async (c, next) => {
    const start = performance.now();
    await next();
    opts.log.info(
      { method: c.req.method, path: c.req.path, route: matchedRoute(c), status: c.res.status, ms: Math.round((performance.now() - start) * 10) / 10 },
      "request",
    );
  });
  const limitOf = (maxSize: number) =>
    bodyLimit({
      maxSize,
      // The unread rest of the body makes the connection unusable: tell the client not to reuse it.
      onError: (c) => c.json({ error: `request body exceeds ${maxSize} bytes` }, 413, { Connection: "close" }),
    });
  const bodyLimitAll = limitOf(opts.maxBodyBytes);
  const bodyLimitIngest = limitOf(opts.ingestMaxBodyBytes);
  const bodyLimitImport = limitOf(opts.importMaxBodyBytes);
  const bodyLimitBackup = limitOf(opts.backupUploadMaxBytes);
  const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  app.use("*", (c, next) => {
    const path = c.req.path;
    const limit = under(path, "/ingest")
      ? bodyLimitIngest
      : under(path, "/import")
        ? bodyLimitImport
        : path === "/backup/verify"
          ? bodyLimitBackup
          : bodyLimitAll;
    return limit(c, next);
  });
  app.use("*", audit(opts.engram, opts.log));
  if (opts.openAccess) app.use("*", loopbackOnly());
  app.use("*", failedAuthLimit(new RateLimiter(), opts.authFailuresPerMinute));
  app.use("*", authenticate(opts, { metricsPublic: opts.metricsPublic }));
  if (opts.rateLimit.enabled) app.use("*", rateLimit(new RateLimiter(), opts.rateLimit));
  app.use("*", maintenanceMode(opts.engram.admin));
  app.use("*", jsonDepthLimit());

  registerOperationsRoutes(app, opts);
  registerAuthRoutes(app, opts);
  registerMemoryRoutes(app, opts);
  registerSearchRoutes(app, opts);
  registerContextRoutes(app, opts);
  registerPromptRoutes(app, opts);
  registerDigestRoutes(app, opts);
  registerBatchRoutes(app, opts);
  registerAdminRoutes(app, opts);
  registerTenantRoutes(app, opts);
  registerGuardRoutes(app, opts);
  registerInboxRoutes(app, opts);
  registerGateRoutes(app, opts);
  registerApprovalRoutes(app, opts);
  registerJobRoutes(app, opts);
  registerFsrsRoutes(app, opts);
  registerGraphRoutes(app, opts);
  registerGraphExploreRoutes(app, opts);
  registerEntityRoutes(app, opts);
  registerFactRoutes(app, opts);
  registerMaintenanceRoutes(app, opts);
  registerReflectionRoutes(app, opts);
  registerValenceRoutes(app, opts);
  registerCausalRoutes(app, opts);
  registerTemporalRoutes(app, opts);
  registerReconsolidationRoutes(app, opts);
  registerIntelligenceRunRoutes(app, opts);
  registerGroundingRoutes(app, opts);
  registerConversationRoutes(app, opts);
  registerAddRoutes(app, opts);
  registerEpisodeRoutes(app, opts);
  registerPersonalityRoutes(app, opts);
  registerIngestRoutes(app, opts);
  registerPortabilityRoutes(app, opts);
  registerBackupRoutes(app, opts);

  // Every tenant's counts and activity: an admin's business, unless a private-network scraper was configured.
  const metricsGuard: MiddlewareHandler<AppEnv> = opts.metricsPublic ? (_c, next) => next() : requireScope("admin");
  app.openapi(
    createRoute({
      method: "get",
      path: "/metrics",
      tags: ["operations"],
      summary: "Prometheus metrics (admin, unless ENGRAM_METRICS_PUBLIC=1)",
      middleware: metricsGuard,
      responses: { 200: { description: "Prometheus text format", content: { "text/plain": { schema: z.string() } } }, ...errors(401, 403) },
    }),
    async (c) => c.text(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType }),
  );
  const openapi = () =>
    app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: { title: "Engram", version: VERSION, description: "Long-term memory for AI agents" },
    });
  app.get("/openapi.json", (c) => c.json(openapi()));
  app.get("/docs/openapi.json", (c) => c.json(openapi()));
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  return app;
}
