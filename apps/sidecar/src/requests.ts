import type { StoreRequest } from "@engram/client";
import { describeZodError, storeInputSchema } from "@engram/schemas";
import { z } from "zod";

/**
 * Request bodies checked at the sidecar's edge. A buffered store is acknowledged before the server
 * sees it, so bad input must be refused here, never buffered: stores are checked with the schema
 * engram-server itself validates them with (@engram/schemas), and refused with the same sentence.
 */

/** Reads are forwarded as they are (the server validates them); they only need to be JSON objects. */
export const readBody = z.record(z.string(), z.unknown(), { error: "must be a JSON object" });

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * A store without a session id is filed under this sidecar's session. What is forwarded is the
 * caller's body as checked (zod drops unknown fields); defaults are left to the server, so a
 * buffered store replays exactly as the caller wrote it.
 */
export function parseStore(body: unknown, sessionId: string): ParseResult<StoreRequest> {
  const parsed = storeInputSchema.safeParse(body);
  if (!parsed.success) return { ok: false, error: describeZodError(parsed.error) };
  const given = body as Record<string, unknown>;
  const request: Record<string, unknown> = { session_id: parsed.data.session_id ?? sessionId };
  for (const [key, value] of Object.entries(parsed.data)) {
    if (key !== "session_id" && given[key] !== undefined && value !== null) request[key] = value;
  }
  return { ok: true, value: request as StoreRequest };
}

export function parseRead(body: unknown): ParseResult<Record<string, unknown>> {
  const parsed = readBody.safeParse(body);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: describeZodError(parsed.error) };
}
