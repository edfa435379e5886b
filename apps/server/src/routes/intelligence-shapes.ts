/** Request fields the intelligence routes share. */
import { z } from "zod";
import { typeError } from "@engram/core";

/** A memory id in a JSON body. */
export const memoryIdField = z.number({ error: typeError("an integer") }).int("must be an integer").positive("must be a positive integer");

/** `{memory_id}` in a path. */
export const memoryIdParam = z.object({
  memory_id: z.coerce.number({ error: "must be a number" }).int("must be an integer").positive("must be a positive integer"),
});

/** `?limit` between 1 and `max`, `fallback` when absent. */
export const limitQuery = (max: number, fallback: number) =>
  z.coerce.number({ error: "must be a number" }).int("must be an integer").min(1, `must be between 1 and ${max}`).max(max, `must be between 1 and ${max}`).default(fallback);

/** A JSON body that may be left out: an empty body reads as `{}`. */
export const optionalJsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: false },
});
