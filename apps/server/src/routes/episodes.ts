import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { typeError } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, idParam, json, jsonBody, scoped, timestamp } from "./define.js";

const isoInstant = z.iso.datetime({ offset: true, error: "must be an ISO-8601 timestamp" });
const createBody = z.object({
  title: z.string({ error: typeError("a string") }).max(500).optional(),
  session_id: z.string({ error: typeError("a string") }).max(200).optional(),
  agent: z.string({ error: typeError("a string") }).max(100).optional(),
  summary: z.string({ error: typeError("a string") }).max(10_000).optional(),
  started_at: isoInstant.optional(),
});
const patchBody = z
  .object({
    title: z.string({ error: typeError("a string") }).max(500).optional(),
    summary: z.string({ error: typeError("a string") }).max(10_000).optional(),
    ended_at: isoInstant.optional(),
  })
  .refine((b) => b.title !== undefined || b.summary !== undefined || b.ended_at !== undefined, { message: "title, summary or ended_at is required" });
const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  query: z.string().max(1000).optional(),
  after: isoInstant.optional(),
  before: isoInstant.optional(),
  session_id: z.string().max(200).optional(),
  agent: z.string().max(100).optional(),
});
const assignBody = z.object({
  memory_ids: z
    .array(z.number({ error: "must be an array of integers" }).int("must be an array of integers"), { error: "must be an array of integers" })
    .min(1, "must hold at least one id")
    .max(1000, "must hold at most 1000 ids"),
});
const finalizeBody = z.object({ regenerate: z.boolean({ error: typeError("a boolean") }).default(false) });

const episodeSchema = z
  .object({
    id: z.number().int(),
    title: z.string().nullable(),
    session_id: z.string().nullable(),
    agent: z.string().nullable(),
    summary: z.string().nullable(),
    user_id: z.number().int(),
    memory_count: z.number().int(),
    duration_seconds: z.number().int().nullable(),
    decay_score: z.number(),
    started_at: timestamp,
    ended_at: timestamp.nullable(),
    created_at: timestamp,
  })
  .meta({ id: "Episode" });
const memberSchema = z.object({ id: z.number().int(), content: z.string(), category: z.string(), source: z.string(), importance: z.number().int(), created_at: timestamp });
const withMembersSchema = episodeSchema.extend({ memories: z.array(memberSchema).describe("live members, oldest first") });

export function registerEpisodeRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { episodes } = deps.engram;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;
  const tags = ["episodes"];

  app.openapi(
    createRoute({
      method: "post",
      path: "/episodes",
      tags,
      summary: "Start an episode",
      middleware: scoped("write"),
      request: jsonBody(createBody),
      responses: {
        201: json(z.object({ created: z.literal(true), id: z.number().int(), started_at: timestamp, summary: z.string().nullable() }), "created"),
        ...errors(400, 401, 403),
      },
    }),
    (c) => c.json(episodes.create(userOf(c), c.req.valid("json")), 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/episodes",
      tags,
      summary: "Your episodes, newest first; query matches all its words in title and summary (the narrative)",
      middleware: scoped("read"),
      request: { query: listQuery },
      responses: { 200: json(z.object({ episodes: z.array(episodeSchema) }), "episodes"), ...errors(400, 401, 403) },
    }),
    (c) => c.json({ episodes: episodes.list(userOf(c), c.req.valid("query")) }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/episodes/{id}",
      tags,
      summary: "An episode with its live member memories",
      middleware: scoped("read"),
      request: { params: idParam },
      responses: { 200: json(withMembersSchema, "the episode"), ...errors(400, 401, 403, 404) },
    }),
    (c) => c.json(episodes.get(userOf(c), c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/episodes/{id}",
      tags,
      summary: "Change an episode's title, summary or end",
      middleware: scoped("write"),
      request: { params: idParam, ...jsonBody(patchBody) },
      responses: { 200: json(z.object({ updated: z.literal(true), id: z.number().int() }), "updated"), ...errors(400, 401, 403, 404) },
    }),
    (c) => c.json(episodes.update(userOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/episodes/{id}/memories",
      tags,
      summary: "Add your memories to an episode (foreign or missing ids are skipped and listed)",
      middleware: scoped("write"),
      request: { params: idParam, ...jsonBody(assignBody) },
      responses: {
        200: json(z.object({ assigned: z.number().int(), episode_id: z.number().int(), skipped: z.array(z.number().int()) }), "assigned"),
        ...errors(400, 401, 403, 404),
      },
    }),
    (c) => c.json(episodes.assign(userOf(c), c.req.valid("param").id, c.req.valid("json").memory_ids), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/episodes/{id}/finalize",
      tags,
      summary: "Close an episode and write its narrative (stored as a searchable memory)",
      middleware: scoped("write"),
      request: { params: idParam, ...jsonBody(finalizeBody) },
      responses: {
        200: json(
          z.object({
            finalized: z.literal(true),
            id: z.number().int(),
            summary: z.string(),
            memory_count: z.number().int(),
            ended_at: timestamp,
            duration_seconds: z.number().int(),
            method: z.enum(["rules", "llm"]),
          }),
          "finalized",
        ),
        ...errors(400, 401, 403, 404),
      },
    }),
    async (c) => c.json(await episodes.finalize(userOf(c), c.req.valid("param").id, c.req.valid("json").regenerate), 200),
  );
}
