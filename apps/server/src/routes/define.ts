import type { Scope } from "@engram/core";
import { z } from "zod";
import { requireScope } from "../middleware/auth.js";

/** Small builders for the repeated parts of route definitions. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

/** A JSON response: its shape (the schema its DTO is typed by) and what it means. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** Every failure answers this body: bad input reads "field: why; other_field: why". */
export const errorSchema = z.object({ error: z.string() }).meta({ id: "Error", description: "What went wrong, for a person to read" });

const ERRORS = {
  400: "invalid input: the field at fault, then why",
  401: "missing, unknown, revoked or expired API key",
  403: "the key lacks a scope this needs, or may not act on that target",
  404: "no such record for this user (another tenant's id is a 404 too)",
  409: "the record's state does not allow this",
  429: "this user's share of background work is used up; retry after Retry-After seconds",
  503: "the work did not finish in time; the request may be retried",
} as const;
type ErrorStatus = keyof typeof ERRORS;
type ErrorResponse = ReturnType<typeof json<typeof errorSchema>>;

/**
 * The error statuses a route answers by itself, each with the error body, and `default`: any
 * route may also answer the same body with 413 (body too large), 429 (rate limits, failed
 * authentications), 403 (open-access refusals) or 500.
 */
export function errors<const S extends ErrorStatus[]>(...statuses: S): { [K in S[number]]: ErrorResponse } & { default: ErrorResponse } {
  const out: Record<string, ErrorResponse> = { default: json(errorSchema, "any other failure: 413, 429, 403 in open-access mode, 500") };
  for (const s of statuses) out[s] = json(errorSchema, ERRORS[s]);
  return out as { [K in S[number]]: ErrorResponse } & { default: ErrorResponse };
}

export const scoped = (scope: Scope) => requireScope(scope);

export const idParam = z.object({
  id: z.coerce.number({ error: "must be a number" }).int("must be an integer").positive("must be a positive integer"),
});

/** Query-string booleans: "true"/"1" and "false"/"0". */
export const queryBool = z
  .enum(["true", "false", "1", "0"], { error: "must be true or false" })
  .transform((v) => v === "true" || v === "1");

/** Stored timestamps on the wire. */
export const timestamp = z.string().describe("ISO-8601 UTC");

/** The answer of a deletion (a memory, a space). */
export const deletedSchema = z.object({ deleted: z.literal(true), id: z.number().int() });
