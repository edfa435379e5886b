import { EngramApiError, type ContextRequest, type EngramClient, type RecallRequest, type SearchRequest } from "@engram/client";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Log } from "./log.js";
import { cacheKey, type ReadCache } from "./read-cache.js";
import { requestGuard } from "./request-guard.js";
import { parseRead, parseStore } from "./requests.js";
import { isUnavailableStatus, type Writer } from "./writer.js";

export interface SidecarDeps {
  sessionId: string;
  version: string;
  /** What every caller must send as `Authorization: Bearer <token>` (see request-guard.ts). */
  token: string;
  /** For proxied calls. */
  client: EngramClient;
  /** For /health: a short timeout, so a hung server reads as unreachable instead of hanging the probe. */
  probe: EngramClient;
  writer: Writer;
  cache: ReadCache;
  watcher: { status(): Record<string, unknown> } | null;
  log: Log;
}

/** Room for the largest allowed content (100 KiB) even when JSON escaping inflates it. */
const MAX_BODY_BYTES = 1024 * 1024;

type Read = (client: EngramClient, body: Record<string, unknown>) => Promise<unknown>;

/**
 * The sidecar's HTTP surface: the server's routes for the calls an agent session makes, served
 * from the local cache or buffer when that is the better answer, plus /health and /flush.
 * Reads go to the server as sent (the server validates them and its error comes back as is).
 */
export function createSidecarApp(deps: SidecarDeps): Hono {
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof EngramApiError) return upstreamError(c, err);
    deps.log("error", "unhandled error", { method: c.req.method, path: c.req.path, error: err.stack ?? err.message });
    return c.json({ error: `internal sidecar error: ${err.message}` }, 500);
  });
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.use("*", requestGuard(deps.token));
  app.use(
    "*",
    bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: `request body exceeds ${MAX_BODY_BYTES} bytes` }, 413, { Connection: "close" }) }),
  );

  for (const path of ["/store", "/memory", "/memories"]) {
    app.post(path, async (c) => {
      const body = await jsonBody(c);
      if (!body.ok) return c.json({ error: body.error }, 400);
      const parsed = parseStore(body.value, deps.sessionId);
      if (!parsed.ok) return c.json({ error: parsed.error }, 400);
      const outcome = await deps.writer.store(parsed.value);
      if (outcome.kind === "buffered") return c.json({ buffered: true, position: outcome.position, seq: outcome.seq }, 202);
      return c.json(outcome.body, outcome.status);
    });
  }

  // The client's request types are what the server accepts; the server does the checking.
  const reads: [string, Read][] = [
    ["/search", (client, b) => client.search(b as unknown as SearchRequest)],
    ["/recall", (client, b) => client.recall(b as RecallRequest)],
    ["/context", (client, b) => client.context(b as unknown as ContextRequest)],
  ];
  for (const [path, read] of reads) {
    app.post(path, async (c) => {
      const body = await jsonBody(c);
      if (!body.ok) return c.json({ error: body.error }, 400);
      const parsed = parseRead(body.value);
      if (!parsed.ok) return c.json({ error: parsed.error }, 400);
      const key = cacheKey(path, parsed.value);
      const cached = deps.cache.get(key);
      if (cached !== undefined) return c.json(cached as object, 200, { "X-Engram-Cache": "hit" });
      const result = await read(deps.client, parsed.value);
      deps.cache.set(key, result);
      return c.json(result as object, 200, { "X-Engram-Cache": "miss" });
    });
  }

  app.post("/flush", async (c) => {
    const report = await deps.writer.flush();
    return c.json(report, report.error === undefined ? 200 : 503);
  });

  app.get("/health", async (c) => {
    let server: { reachable: boolean; error?: string };
    try {
      await deps.probe.health();
      server = { reachable: true };
    } catch (err) {
      server = { reachable: false, error: err instanceof Error ? err.message : String(err) };
    }
    return c.json({
      status: "ok",
      service: "engram-sidecar",
      version: deps.version,
      session_id: deps.sessionId,
      server: { url: deps.client.baseUrl, ...server },
      buffer: deps.writer.status(),
      cache: deps.cache.stats(),
      watcher: deps.watcher?.status() ?? null,
    });
  });

  return app;
}

/** An unreachable server is the sidecar's 503; any answer the server gave passes through unchanged. */
function upstreamError(c: Context, err: EngramApiError) {
  if (isUnavailableStatus(err.status)) return c.json({ error: err.message }, 503);
  return c.json({ error: err.message }, err.status as ContentfulStatusCode);
}

/** An empty body reads as `{}` (recall needs no fields); anything else must be JSON (its Content-Type was checked by requestGuard). */
async function jsonBody(c: Context): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  const text = await c.req.text();
  if (text.trim() === "") return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, error: "body: malformed JSON" };
  }
}
