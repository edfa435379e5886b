import { EngramError, type ErrorKind } from "@engram/core";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";

const STATUS: Record<ErrorKind, 400 | 401 | 403 | 404 | 409 | 429 | 503> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  // The tenant's own share is used up (its pending jobs), not the server: other tenants go on.
  busy: 429,
  unavailable: 503,
};

// The sentence a refused request gets; shared with engram-sidecar, which must refuse the same way.
export { describeZodError } from "@engram/schemas";

/** The HTTP status a core error answers with. */
export const statusOf = (err: EngramError) => STATUS[err.kind];

export function errorResponse(err: unknown, c: Context) {
  if (err instanceof EngramError) {
    if (err.retryAfterSecs !== undefined) c.header("Retry-After", String(err.retryAfterSecs));
    return c.json({ error: err.message }, statusOf(err));
  }
  if (err instanceof HTTPException) {
    const message = err.status === 400 && /JSON/i.test(err.message) ? "body: malformed JSON" : err.message;
    return c.json({ error: message || "request failed" }, err.status);
  }
  return undefined;
}
