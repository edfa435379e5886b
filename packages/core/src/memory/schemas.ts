import { z } from "zod";
import { contentSchema, forgetAfterSchema, importanceSchema, labelSchema as label, tagsSchema, ttlSecsSchema } from "@engram/schemas";

/**
 * Input shapes of the memory operations; the HTTP layer validates requests with these. The store
 * request lives in @engram/schemas, which engram-sidecar checks buffered stores with too.
 */
export { contentSchema, importanceSchema, MAX_CONTENT_BYTES, storeInputSchema, tagsSchema, typeError, type StoreInput } from "@engram/schemas";

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
  /** Which review state to list: approved (default), or the inbox's pending or rejected memories. */
  reviewStatus?: "approved" | "pending" | "rejected" | undefined;
}

/** Tags are trimmed, lower-cased and deduplicated on every write. */
export function normalizeTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim().toLowerCase()).filter(Boolean))];
}
