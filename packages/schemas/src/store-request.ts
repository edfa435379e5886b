import { z } from "zod";

/**
 * The body of `POST /store`, in one place: engram-server validates with it, and engram-sidecar
 * checks a store with it before buffering (a buffered store is acknowledged before the server
 * sees it, so what the server would refuse must be refused there too, with the same error).
 */
export const MAX_CONTENT_BYTES = 102_400;

/** Type errors that say "is required" for a missing field and "must be a <type>" otherwise. */
export const typeError = (expected: string) => (iss: { input?: unknown }) =>
  iss.input === undefined ? "is required" : `must be ${expected}`;

export const contentSchema = z
  .string({ error: typeError("a string") })
  .refine((s) => s.trim().length > 0, { message: "must not be empty or whitespace" })
  .refine((s) => Buffer.byteLength(s, "utf8") <= MAX_CONTENT_BYTES, {
    message: `must be at most ${MAX_CONTENT_BYTES} bytes`,
  });

// Each check names its own message: a schema-level `error` would otherwise answer "must be a number" for 11.
export const importanceSchema = z
  .number({ error: typeError("a number") })
  .int("must be an integer")
  .min(1, "must be between 1 and 10")
  .max(10, "must be between 1 and 10");
export const tagsSchema = z.array(z.string().max(100, "each tag must be at most 100 characters")).max(100);
export const labelSchema = z.string().trim().min(1, "must not be empty").max(200);
export const idSchema = z.number().int().positive();
export const forgetAfterSchema = z.iso.datetime({ offset: true, error: "must be an ISO-8601 date-time, e.g. 2030-01-01T00:00:00Z" }).nullish();
export const ttlSecsSchema = z.number({ error: typeError("a number") }).int("must be an integer").positive("must be positive").max(100 * 365 * 86_400).nullish();

export const storeInputSchema = z.object({
  content: contentSchema,
  category: labelSchema.default("general"),
  source: labelSchema.default("unknown"),
  importance: importanceSchema.default(5),
  tags: tagsSchema.default([]),
  session_id: z.string().max(200).nullish(),
  is_static: z.boolean().default(false),
  space_id: idSchema.nullish(),
  parent_memory_id: idSchema.nullish(),
  embedding: z.array(z.number()).nullish(),
  /** The TTL sweep forgets the memory after this instant (ISO-8601 with offset, in the future) … */
  forget_after: forgetAfterSchema,
  /** … or this many seconds after it is stored. */
  ttl_secs: ttlSecsSchema,
  /** The authoring agent's model name: POST /header tells a model which memories another one wrote. */
  model: z
    .string({ error: typeError("a string") })
    .min(1, "must be 1 to 100 characters")
    .max(100, "must be 1 to 100 characters")
    .nullish(),
  /** "pending" puts the memory in the review inbox: hidden from search and recall until approved. */
  review_status: z.enum(["approved", "pending"], { error: 'must be "approved" or "pending"' }).optional(),
  /** The reference's name for review_status on write routes, accepted as an alias. */
  status: z.enum(["approved", "pending"], { error: 'must be "approved" or "pending" (the review state; lifecycle changes have their own routes)' }).optional(),
});
export type StoreInput = z.output<typeof storeInputSchema>;
