import type { StoreRequest } from "@engram/client";
import { z, type ZodError } from "zod";

/**
 * Request bodies checked at the sidecar's edge. Stores mirror engram-server's own rules
 * (@engram/core's storeInputSchema) because a buffered store is acknowledged before the server
 * sees it: bad input must be refused here, never buffered. Defaults are left to the server.
 */

const MAX_CONTENT_BYTES = 102_400;

/** Names the expected type for a wrong or missing value; range and format issues keep zod's own message. */
const typeError = (expected: string) => (iss: { code?: string; input?: unknown }) =>
  iss.code !== "invalid_type" ? undefined : iss.input === undefined ? "is required" : `must be ${expected}`;
const label = z.string({ error: typeError("a string") }).trim().min(1, "must not be empty").max(200);
const id = z.number({ error: typeError("a number") }).int("must be an integer").positive();

const storeBody = z.object({
  content: z
    .string({ error: typeError("a string") })
    .refine((s) => s.trim().length > 0, { message: "must not be empty or whitespace" })
    .refine((s) => Buffer.byteLength(s, "utf8") <= MAX_CONTENT_BYTES, { message: `must be at most ${MAX_CONTENT_BYTES} bytes` }),
  category: label.optional(),
  source: label.optional(),
  importance: z.number({ error: typeError("a number") }).int("must be an integer").min(1).max(10).optional(),
  tags: z.array(z.string().max(100, "each tag must be at most 100 characters")).max(100).optional(),
  session_id: z.string({ error: typeError("a string") }).max(200).nullish(),
  is_static: z.boolean({ error: typeError("a boolean") }).optional(),
  space_id: id.nullish(),
  parent_memory_id: id.nullish(),
  embedding: z.array(z.number()).nullish(),
});

/** Reads are forwarded as they are (the server validates them); they only need to be JSON objects. */
export const readBody = z.record(z.string(), z.unknown(), { error: "must be a JSON object" });

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** A store without a session id is filed under this sidecar's session. */
export function parseStore(body: unknown, sessionId: string): ParseResult<StoreRequest> {
  const parsed = storeBody.safeParse(body);
  if (!parsed.success) return { ok: false, error: describeZodError(parsed.error) };
  const v = parsed.data;
  const request: StoreRequest = { content: v.content, session_id: v.session_id ?? sessionId };
  if (v.category !== undefined) request.category = v.category;
  if (v.source !== undefined) request.source = v.source;
  if (v.importance !== undefined) request.importance = v.importance;
  if (v.tags !== undefined) request.tags = v.tags;
  if (v.is_static !== undefined) request.is_static = v.is_static;
  if (v.space_id != null) request.space_id = v.space_id;
  if (v.parent_memory_id != null) request.parent_memory_id = v.parent_memory_id;
  if (v.embedding != null) request.embedding = v.embedding;
  return { ok: true, value: request };
}

export function parseRead(body: unknown): ParseResult<Record<string, unknown>> {
  const parsed = readBody.safeParse(body);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: describeZodError(parsed.error) };
}

/** "content: is required; importance: ..." — the server's error format: field first, then why. */
function describeZodError(err: ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join(".") : "body"}: ${i.message}`)
    .join("; ");
}
