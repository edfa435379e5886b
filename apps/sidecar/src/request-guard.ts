import { createHash, timingSafeEqual } from "node:crypto";
import { isLoopbackHostHeader, isLoopbackOrigin } from "@engram/client";
import type { MiddlewareHandler } from "hono";

/**
 * Who may call the sidecar. It holds an engram key and acts with it, so without this any web
 * page (a cross-site `text/plain` POST needs no preflight) or any local user could store and
 * read memories through it. Every request, /health included, must:
 * - name loopback in Host, and in Origin when it sends one: a page reaching 127.0.0.1 through
 *   DNS rebinding sends its own name in Host, a cross-site request its own origin (403);
 * - carry `Authorization: Bearer <token>`, the token this sidecar generated at start and wrote
 *   only to its owner-only `sidecar.json` (401);
 * - send a body only as `Content-Type: application/json`, which a page cannot send cross-site
 *   without a CORS preflight the sidecar never grants (415).
 */
export function requestGuard(token: string): MiddlewareHandler {
  const expected = digest(token);
  return async (c, next) => {
    if (!isLoopbackHostHeader(c.req.header("host")) || !isLoopbackOrigin(c.req.header("origin"))) {
      return c.json({ error: "Host and Origin must be a loopback address" }, 403);
    }
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
    if (presented === undefined) {
      return c.json({ error: "missing sidecar token: send `Authorization: Bearer <token>` with the token from the sidecar's sidecar.json" }, 401, {
        "WWW-Authenticate": 'Bearer realm="engram-sidecar"',
      });
    }
    // Digests have one length, so the comparison takes the same time whatever was sent.
    if (!timingSafeEqual(digest(presented), expected)) {
      return c.json({ error: "invalid sidecar token" }, 401, { "WWW-Authenticate": 'Bearer realm="engram-sidecar"' });
    }
    if (hasBody(c.req.header("content-length"), c.req.header("transfer-encoding")) && !isJson(c.req.header("content-type"))) {
      return c.json({ error: "Content-Type must be application/json" }, 415);
    }
    await next();
  };
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

/** An empty body may come without a type (recall and flush need no fields). */
function hasBody(contentLength: string | undefined, transferEncoding: string | undefined): boolean {
  return transferEncoding !== undefined || (contentLength !== undefined && contentLength.trim() !== "0");
}

/** `application/json`, with or without parameters (`; charset=utf-8`). */
function isJson(contentType: string | undefined): boolean {
  return contentType?.split(";")[0]!.trim().toLowerCase() === "application/json";
}
