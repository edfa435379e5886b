import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { DIGEST_PERIODS, type Digest } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, scoped, timestamp } from "./define.js";
import { limitQuery, optionalJsonBody } from "./intelligence-shapes.js";

/**
 * Digests (contracts/services.md §16): a summary of the memories of the last day, week or
 * month, on demand; `/intelligence/digests*` are the intelligence contract's aliases (§5.4).
 * Schedules and their webhook deliveries belong to the services group and are not served yet.
 */

const generateBody = z.object({
  period: z.enum(DIGEST_PERIODS, { error: `must be one of ${DIGEST_PERIODS.join(", ")}` }).default("daily"),
});

const digestSchema = z
  .object({
    id: z.number().int(),
    period: z.enum(DIGEST_PERIODS),
    content: z.string().describe("`<period> period summary (<n> memories):` and a line per memory, most important first, or `No activity during this <period> period.`"),
    memory_count: z.number().int().describe("Memories created in the window; the content lists at most 50"),
    user_id: z.number().int(),
    started_at: timestamp,
    ended_at: timestamp,
    created_at: timestamp,
  })
  .meta({ id: "Digest" });

const digestDto = (d: Digest): z.infer<typeof digestSchema> => ({
  id: d.id,
  period: d.period as z.infer<typeof digestSchema>["period"],
  content: d.content,
  memory_count: d.memoryCount,
  user_id: d.userId,
  started_at: d.startedAt,
  ended_at: d.endedAt,
  created_at: d.createdAt,
});

export function registerDigestRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { digests } = deps.engram;

  for (const path of ["/digests/generate", "/intelligence/digests/generate"]) {
    app.openapi(
      createRoute({
        method: "post",
        path,
        tags: ["digests"],
        summary: "Summarise the memories of the last day, week or month (default daily) and store the digest",
        middleware: scoped("write"),
        request: optionalJsonBody(generateBody),
        responses: { 201: json(digestSchema, "the stored digest"), ...errors(400, 401, 403) },
      }),
      (c) => {
        const period = c.req.valid("json")?.period ?? "daily";
        const digest = digests.generate(c.get("principal").user.id, period);
        return c.json(digestDto(digest), 201);
      },
    );
  }

  for (const path of ["/digests", "/intelligence/digests"]) {
    app.openapi(
      createRoute({
        method: "get",
        path,
        tags: ["digests"],
        summary: "Your digests, newest first",
        middleware: scoped("read"),
        request: { query: z.object({ limit: limitQuery(500, 20) }) },
        responses: { 200: json(z.object({ digests: z.array(digestSchema) }), "digests"), ...errors(400, 401, 403) },
      }),
      (c) => c.json({ digests: digests.list(c.get("principal").user.id, c.req.valid("query").limit).map(digestDto) }, 200),
    );
  }
}
