import type { Scope } from "@engram/core";
import { z } from "zod";
import { requireScope } from "../middleware/auth.js";

/** Small builders for the repeated parts of route definitions. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

export const described = (description: string, status = 200) => ({ [status]: { description } }) as Record<number, { description: string }>;

export const scoped = (scope: Scope) => requireScope(scope);

export const idParam = z.object({
  id: z.coerce.number({ error: "must be a number" }).int("must be an integer").positive("must be a positive integer"),
});

/** Query-string booleans: "true"/"1" and "false"/"0". */
export const queryBool = z
  .enum(["true", "false", "1", "0"], { error: "must be true or false" })
  .transform((v) => v === "true" || v === "1");
