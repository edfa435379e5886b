import { z } from "zod";

/** Input shapes of the memory operations; the HTTP layer validates requests with these. */
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
const label = z.string().trim().min(1, "must not be empty").max(200);
const id = z.number().int().positive();

const forgetAfterSchema = z.iso.datetime({ offset: true, error: "must be an ISO-8601 date-time, e.g. 2030-01-01T00:00:00Z" }).nullish();
const ttlSecsSchema = z.number({ error: typeError("a number") }).int("must be an integer").positive("must be positive").max(100 * 365 * 86_400).nullish();

export const storeInputSchema = z.object({
  content: contentSchema,
  category: label.default("general"),
  source: label.default("unknown"),
  importance: importanceSchema.default(5),
  tags: tagsSchema.default([]),
  session_id: z.string().max(200).nullish(),
  is_static: z.boolean().default(false),
  space_id: id.nullish(),
  parent_memory_id: id.nullish(),
  embedding: z.array(z.number()).nullish(),
  /** The TTL sweep forgets the memory after this instant (ISO-8601 with offset, in the future) … */
  forget_after: forgetAfterSchema,
  /** … or this many seconds after it is stored. */
  ttl_secs: ttlSecsSchema,
});
export type StoreInput = z.output<typeof storeInputSchema>;

export const updateInputSchema = z
  .object({
    content: contentSchema.optional(),
    category: label.optional(),
    importance: importanceSchema.optional(),
    tags: tagsSchema.optional(),
    is_static: z.boolean().optional(),
    status: z.enum(["active", "archived", "forgotten"]).optional(),
    /** As at store, counted from the update; both left out keep the old version's expiry, null clears it. */
    forget_after: forgetAfterSchema,
    ttl_secs: ttlSecsSchema,
  })
  .refine((o) => Object.values(o).some((v) => v !== undefined), { message: "at least one field to change is required" });
export type UpdateInput = z.output<typeof updateInputSchema>;

export interface ListFilters {
  limit: number;
  offset: number;
  category?: string | undefined;
  source?: string | undefined;
  spaceId?: number | undefined;
  includeForgotten?: boolean | undefined;
  includeArchived?: boolean | undefined;
}

/** Tags are trimmed, lower-cased and deduplicated on every write. */
export function normalizeTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim().toLowerCase()).filter(Boolean))];
}
