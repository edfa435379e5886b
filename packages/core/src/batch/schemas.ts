import { z } from "zod";
import { contentSchema, importanceSchema, labelSchema, storeInputSchema, tagsSchema, typeError } from "@engram/schemas";

/** POST /batch ops (contracts/platform.md §7): each op's body, then the envelope. */
export const MAX_BATCH_OPS = 100;
export const BATCH_OPS = ["store", "update", "link"] as const;
export type BatchOpName = (typeof BATCH_OPS)[number];

const id = z.number({ error: typeError("an integer") }).int("must be an integer").positive("must be a positive integer");

export const batchStoreSchema = storeInputSchema
  .pick({ content: true, category: true, importance: true, tags: true, is_static: true, session_id: true, space_id: true })
  .extend({ source: labelSchema.default("batch") });

export const batchUpdateSchema = z
  .object({
    id,
    content: contentSchema.optional(),
    category: labelSchema.optional(),
    importance: importanceSchema.optional(),
    tags: tagsSchema.optional(),
  })
  .refine((o) => o.content !== undefined || o.category !== undefined || o.importance !== undefined || o.tags !== undefined, {
    message: "at least one of content, category, importance, tags is required",
  });

export const batchLinkSchema = z.object({
  source_id: id,
  target_id: id,
  similarity: z.number({ error: typeError("a number") }).min(0, "must be between 0 and 1").max(1, "must be between 0 and 1").default(1),
  type: labelSchema.default("manual"),
});

export type BatchOp =
  | { op: "store"; body: z.output<typeof batchStoreSchema> }
  | { op: "update"; body: z.output<typeof batchUpdateSchema> }
  | { op: "link"; body: z.output<typeof batchLinkSchema> };

export const BATCH_BODY_SCHEMAS = { store: batchStoreSchema, update: batchUpdateSchema, link: batchLinkSchema } as const;
