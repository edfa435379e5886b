import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { BATCH_BODY_SCHEMAS, BATCH_OPS, BatchOpFailed, EngramError, MAX_BATCH_OPS, type BatchOp } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { statusOf } from "../errors.js";
import { errors, json, jsonBody, scoped } from "./define.js";

/**
 * POST /batch (contracts/platform.md §7): up to 100 stores, updates and links, validated whole
 * before any runs, embedded before the transaction opens, then run in order in one transaction:
 * the first failure rolls back every earlier op and answers with that op's own status.
 */

const envelopeSchema = z.object({
  ops: z
    .array(z.object({ op: z.string(), body: z.unknown() }).passthrough(), { error: "must be an array of {op, body}" })
    .min(1, "must hold 1 to 100 ops")
    .max(MAX_BATCH_OPS, "must hold 1 to 100 ops"),
});

const opResultSchema = z.record(z.string(), z.unknown()).describe("The op's answer: {stored, id} or {stored: false, duplicate, existing_id}; {id, previous_id, updated}; {linked, source_id, target_id}");
const batchResponseSchema = z.object({
  results: z.array(z.object({ index: z.number().int(), op: z.enum(BATCH_OPS), success: z.literal(true), result: opResultSchema })),
  total: z.number().int(),
  succeeded: z.number().int(),
  committed: z.literal(true),
});
const batchFailureSchema = z.object({
  error: z.string(),
  failed_index: z.number().int(),
  results: z.array(z.object({ index: z.number().int(), op: z.enum(BATCH_OPS), success: z.literal(false), error: z.string() })),
  total: z.number().int(),
  succeeded: z.literal(0),
  committed: z.literal(false),
});

/** `ops[2].body.content`: the contract names the path with the index in brackets. */
const pathOf = (path: readonly PropertyKey[]) => path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`)).join("");

/** Every op checked before anything runs: the first problem, named by its path. */
function parseOps(raw: { op: string; body: unknown }[]): BatchOp[] {
  return raw.map((entry, i) => {
    if (!(BATCH_OPS as readonly string[]).includes(entry.op)) throw new EngramError("invalid", `must be one of ${BATCH_OPS.join(", ")}`, `ops[${i}].op`);
    if (typeof entry.body !== "object" || entry.body === null || Array.isArray(entry.body)) throw new EngramError("invalid", "must be an object", `ops[${i}].body`);
    const parsed = BATCH_BODY_SCHEMAS[entry.op as BatchOp["op"]].safeParse(entry.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const missing = issue.code === "invalid_type" && /received undefined/.test(issue.message);
      throw new EngramError("invalid", missing ? "is required" : issue.message, pathOf([`ops`, i, "body", ...issue.path]));
    }
    return { op: entry.op, body: parsed.data } as BatchOp;
  });
}

export function registerBatchRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { batch, embedding } = deps.engram;

  app.openapi(
    createRoute({
      method: "post",
      path: "/batch",
      tags: ["memories"],
      summary: "Run up to 100 store, update and link ops in one transaction: all of them, or none",
      middleware: scoped("write"),
      request: jsonBody(envelopeSchema),
      responses: {
        200: json(batchResponseSchema, "every op succeeded and was committed"),
        400: json(batchFailureSchema.or(z.object({ error: z.string() })), "a malformed batch (nothing ran), or the op that failed (nothing was kept)"),
        403: json(batchFailureSchema.or(z.object({ error: z.string() })), "a missing scope, or the op that failed"),
        404: json(batchFailureSchema, "an op named a memory that is not the caller's; nothing was kept"),
        409: json(batchFailureSchema, "an op updated a version that is not the latest; nothing was kept"),
        ...errors(401, 429),
      },
    }),
    async (c) => {
      const ops = parseOps(c.req.valid("json").ops);
      // Embedding is slow and async: done for every op that needs it before the transaction opens.
      const vectors = new Map<number, Float32Array | null>();
      const texts = ops.flatMap((op, i) => (op.op === "store" ? [[i, op.body.content] as const] : op.op === "update" && op.body.content !== undefined ? [[i, op.body.content] as const] : []));
      const embedded = texts.length ? await embedding.embed(texts.map(([, t]) => t)) : null;
      texts.forEach(([i], k) => vectors.set(i, embedded?.[k] ?? null));
      try {
        const result = batch.run(c.get("principal").user.id, ops, vectors);
        c.set("auditTargets", [...new Set(result.touched)]);
        return c.json({ results: result.results.map((r) => ({ ...r, success: true as const })), total: ops.length, succeeded: ops.length, committed: true as const }, 200);
      } catch (err) {
        if (!(err instanceof BatchOpFailed)) throw err;
        const status = statusOf(err.cause) as 400 | 403 | 404 | 409;
        return c.json(
          {
            error: err.message,
            failed_index: err.index,
            results: [{ index: err.index, op: err.op, success: false as const, error: err.cause.message }],
            total: ops.length,
            succeeded: 0 as const,
            committed: false as const,
          },
          status,
        );
      }
    },
  );
}
