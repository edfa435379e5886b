import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { EngramError, storeInputSchema, tagsSchema, updateInputSchema } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { deletedSchema, errors, idParam, json, jsonBody, queryBool, scoped, timestamp } from "./define.js";
import { linkDto, linkSchema, memoryDto, memorySchema, memoryStatusSchema, reviewStatusSchema } from "./memory-shapes.js";

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  category: z.string().optional(),
  source: z.string().optional(),
  space_id: z.coerce.number().int().positive().optional(),
  include_forgotten: queryBool.optional(),
  include_archived: queryBool.optional(),
  review_status: z.enum(["approved", "pending", "rejected"], { error: "must be approved, pending or rejected" }).optional(),
});
const forgetBody = z.object({ reason: z.string().max(1000).optional() });
const tagsBody = z.object({ tags: tagsSchema });
const tagSearchBody = z.object({
  tags: tagsSchema.min(1, "must name at least one tag"),
  match_all: z.boolean().default(false),
  limit: z.number().int().min(1).max(1000).default(50),
});

const storedSchema = z
  .object({
    stored: z.literal(true),
    id: z.number().int(),
    created_at: timestamp,
    importance: z.number().int(),
    embedded: z.boolean(),
    tags: z.array(z.string()),
    decay_score: z.number(),
    review_status: reviewStatusSchema,
  })
  .meta({ id: "StoreCreated" });
const duplicateSchema = z
  .object({
    stored: z.literal(false),
    duplicate: z.literal(true),
    existing_id: z.number().int(),
    boosted: z.boolean(),
    distance: z.number(),
  })
  .meta({ id: "StoreDuplicate", description: "A near-duplicate is not stored again; the existing memory's source_count goes up instead" });
const memoryListSchema = z.object({ results: z.array(memorySchema), count: z.number().int(), limit: z.number().int(), offset: z.number().int() });
const versionSchema = z
  .object({ id: z.number().int(), content: z.string(), version: z.number().int(), is_latest: z.boolean(), status: memoryStatusSchema, created_at: timestamp })
  .meta({ id: "MemoryVersion" });
const versionsSchema = z.object({ versions: z.array(versionSchema).describe("The whole chain, oldest first") });
const statusChangeSchema = z.object({ id: z.number().int(), status: memoryStatusSchema });
const linksSchema = z.object({ links: z.array(linkSchema) });
const tagCountsSchema = z.object({ tags: z.array(z.object({ tag: z.string(), count: z.number().int() })) });
const tagResultsSchema = z.object({ results: z.array(memorySchema) });

export function registerMemoryRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { memories } = deps.engram;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;

  /** The client's own vector when it sent one (checked against the active model), else the model's. */
  const vectorFor = async (content: string, provided: number[] | null | undefined): Promise<Float32Array | null> => {
    if (provided != null) {
      const accepted = deps.engram.embedding.acceptProvided(provided);
      if (typeof accepted === "string") throw new EngramError("invalid", accepted, "embedding");
      return accepted;
    }
    return (await deps.engram.embedding.embed([content]))?.[0] ?? null;
  };

  // The reference answers the same store under three paths.
  for (const path of ["/store", "/memory", "/memories"]) {
    app.openapi(
      createRoute({
        method: "post",
        path,
        tags: ["memories"],
        summary: "Store a memory (a near-duplicate raises the existing one's source_count instead)",
        middleware: scoped("write"),
        request: jsonBody(storeInputSchema),
        responses: { 201: json(storedSchema, "stored"), 200: json(duplicateSchema, "near-duplicate of an existing memory"), ...errors(400, 401, 403, 429) },
      }),
      async (c) => {
        const body = c.req.valid("json");
        // The key or the server setting may send the write to the review inbox whatever the body asks.
        const input = { ...body, review_status: deps.engram.inbox.statusFor(c.get("principal"), body) };
        const vector = await vectorFor(input.content, input.embedding);
        const result = memories.store(userOf(c), input, vector);
        if (result.kind === "duplicate") {
          c.set("auditTargets", [result.existingId]);
          return c.json({ stored: false as const, duplicate: true as const, existing_id: result.existingId, boosted: true, distance: result.distance }, 200);
        }
        const m = result.memory;
        c.set("auditTargets", [m.id]);
        return c.json(
          {
            stored: true as const,
            id: m.id,
            created_at: m.createdAt,
            importance: m.importance,
            embedded: vector !== null,
            tags: m.tags,
            decay_score: m.decayScore,
            review_status: m.reviewStatus,
          },
          201,
        );
      },
    );
  }

  app.openapi(
    createRoute({
      method: "get",
      path: "/memory/{id}",
      tags: ["memories"],
      summary: "One memory",
      middleware: scoped("read"),
      request: { params: idParam },
      responses: { 200: json(memorySchema, "the memory"), ...errors(400, 401, 403, 404) },
    }),
    (c) => c.json(memoryDto(memories.get(userOf(c), c.req.valid("param").id)), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/list",
      tags: ["memories"],
      summary: "Latest memories, newest first",
      middleware: scoped("read"),
      request: { query: listQuery },
      responses: { 200: json(memoryListSchema, "memories"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const q = c.req.valid("query");
      const rows = memories.list(userOf(c), {
        limit: q.limit,
        offset: q.offset,
        category: q.category,
        source: q.source,
        spaceId: q.space_id,
        includeForgotten: q.include_forgotten,
        includeArchived: q.include_archived,
        reviewStatus: q.review_status,
      });
      return c.json({ results: rows.map(memoryDto), count: rows.length, limit: q.limit, offset: q.offset }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/memory/{id}/update",
      tags: ["memories"],
      summary: "Write a new version of a memory",
      middleware: scoped("write"),
      request: { params: idParam, ...jsonBody(updateInputSchema) },
      responses: { 200: json(memorySchema, "the new version"), ...errors(400, 401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const patch = c.req.valid("json");
      const vector = patch.content === undefined ? null : await vectorFor(patch.content, undefined);
      const row = memories.update(userOf(c), id, patch, vector);
      c.set("auditTargets", [id, row.id]);
      return c.json(memoryDto(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/versions/{id}",
      tags: ["memories"],
      summary: "The whole version chain, oldest first",
      middleware: scoped("read"),
      request: { params: idParam },
      responses: { 200: json(versionsSchema, "versions"), ...errors(400, 401, 403, 404) },
    }),
    (c) =>
      c.json({
        versions: memories.versions(userOf(c), c.req.valid("param").id).map((v) => ({
          id: v.id,
          content: v.content,
          version: v.version,
          is_latest: v.isLatest,
          status: v.status,
          created_at: v.createdAt,
        })),
      }, 200),
  );

  const statusRoutes = [
    { path: "/memory/{id}/forget", status: "forgotten", summary: "Forget: hidden from search, recall and GET" },
    { path: "/memory/{id}/archive", status: "archived", summary: "Archive: hidden from search and recall" },
    { path: "/memory/{id}/unarchive", status: "active", summary: "Bring an archived memory back" },
  ] as const;
  for (const r of statusRoutes) {
    app.openapi(
      createRoute({
        method: "post",
        path: r.path,
        tags: ["memories"],
        summary: r.summary,
        middleware: scoped("write"),
        // The reason is optional, so an empty body is as good as `{}`.
        request: { params: idParam, body: { content: { "application/json": { schema: forgetBody } }, required: false } },
        responses: { 200: json(statusChangeSchema, "new status"), ...errors(400, 401, 403, 404) },
      }),
      (c) => {
        const { id } = c.req.valid("param");
        const reason = r.status === "forgotten" ? c.req.valid("json")?.reason : undefined;
        const row = memories.setStatus(userOf(c), id, r.status, reason);
        return c.json({ id: row.id, status: row.status }, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: "delete",
      path: "/memory/{id}",
      tags: ["memories"],
      summary: "Delete a memory for good, with its links and index rows",
      middleware: scoped("write"),
      request: { params: idParam },
      responses: { 200: json(deletedSchema, "deleted"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const { id } = c.req.valid("param");
      memories.delete(userOf(c), id);
      return c.json({ deleted: true as const, id }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/links/{id}",
      tags: ["graph"],
      summary: "Links from and to a memory",
      middleware: scoped("read"),
      request: { params: idParam },
      responses: { 200: json(linksSchema, "links"), ...errors(400, 401, 403, 404) },
    }),
    (c) => c.json({ links: memories.links(userOf(c), c.req.valid("param").id).map(linkDto) }, 200),
  );

  app.openapi(
    createRoute({ method: "get", path: "/tags", tags: ["tags"], summary: "Your tags with counts", middleware: scoped("read"), responses: { 200: json(tagCountsSchema, "tags"), ...errors(401, 403) } }),
    (c) => c.json({ tags: memories.tagCounts(userOf(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/tags/search",
      tags: ["tags"],
      summary: "Memories carrying any (or all) of the tags",
      middleware: scoped("read"),
      request: jsonBody(tagSearchBody),
      responses: { 200: json(tagResultsSchema, "memories"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const b = c.req.valid("json");
      return c.json({ results: memories.searchByTags(userOf(c), b.tags, b.match_all, b.limit).map(memoryDto) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/memory/{id}/tags",
      tags: ["tags"],
      summary: "Replace a memory's tags",
      middleware: scoped("write"),
      request: { params: idParam, ...jsonBody(tagsBody) },
      responses: { 200: json(memorySchema, "the memory"), ...errors(400, 401, 403, 404) },
    }),
    (c) => c.json(memoryDto(memories.setTags(userOf(c), c.req.valid("param").id, c.req.valid("json").tags)), 200),
  );
}
