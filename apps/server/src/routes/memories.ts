import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { EngramError, storeInputSchema, tagsSchema, updateInputSchema } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { linkDto, memoryDto } from "../dto.js";
import { described, idParam, jsonBody, queryBool, scoped } from "./define.js";

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  category: z.string().optional(),
  source: z.string().optional(),
  space_id: z.coerce.number().int().positive().optional(),
  include_forgotten: queryBool.optional(),
  include_archived: queryBool.optional(),
});
const forgetBody = z.object({ reason: z.string().max(1000).optional() });
const tagsBody = z.object({ tags: tagsSchema });
const tagSearchBody = z.object({
  tags: tagsSchema.min(1, "must name at least one tag"),
  match_all: z.boolean().default(false),
  limit: z.number().int().min(1).max(1000).default(50),
});

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
        responses: { ...described("stored", 201), ...described("near-duplicate of an existing memory", 200) },
      }),
      async (c) => {
        const input = c.req.valid("json");
        const vector = await vectorFor(input.content, input.embedding);
        const result = memories.store(userOf(c), input, vector);
        if (result.kind === "duplicate") {
          c.set("auditTargets", [result.existingId]);
          return c.json({ stored: false, duplicate: true, existing_id: result.existingId, boosted: true, distance: result.distance }, 200);
        }
        const m = result.memory;
        c.set("auditTargets", [m.id]);
        return c.json(
          { stored: true, id: m.id, created_at: m.createdAt, importance: m.importance, embedded: vector !== null, tags: m.tags, decay_score: m.decayScore },
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
      responses: described("the memory"),
    }),
    (c) => c.json(memoryDto(memories.get(userOf(c), c.req.valid("param").id))),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/list",
      tags: ["memories"],
      summary: "Latest memories, newest first",
      middleware: scoped("read"),
      request: { query: listQuery },
      responses: described("memories"),
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
      });
      return c.json({ results: rows.map(memoryDto), count: rows.length, limit: q.limit, offset: q.offset });
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
      responses: described("the new version"),
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const patch = c.req.valid("json");
      const vector = patch.content === undefined ? null : await vectorFor(patch.content, undefined);
      const row = memories.update(userOf(c), id, patch, vector);
      c.set("auditTargets", [id, row.id]);
      return c.json(memoryDto(row));
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
      responses: described("versions"),
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
      }),
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
        responses: described("new status"),
      }),
      (c) => {
        const { id } = c.req.valid("param");
        const reason = r.status === "forgotten" ? c.req.valid("json")?.reason : undefined;
        const row = memories.setStatus(userOf(c), id, r.status, reason);
        return c.json({ id: row.id, status: row.status });
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
      responses: described("deleted"),
    }),
    (c) => {
      const { id } = c.req.valid("param");
      memories.delete(userOf(c), id);
      return c.json({ deleted: true, id });
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
      responses: described("links"),
    }),
    (c) => c.json({ links: memories.links(userOf(c), c.req.valid("param").id).map(linkDto) }),
  );

  app.openapi(
    createRoute({ method: "get", path: "/tags", tags: ["tags"], summary: "Your tags with counts", middleware: scoped("read"), responses: described("tags") }),
    (c) => c.json({ tags: memories.tagCounts(userOf(c)) }),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/tags/search",
      tags: ["tags"],
      summary: "Memories carrying any (or all) of the tags",
      middleware: scoped("read"),
      request: jsonBody(tagSearchBody),
      responses: described("memories"),
    }),
    (c) => {
      const b = c.req.valid("json");
      return c.json({ results: memories.searchByTags(userOf(c), b.tags, b.match_all, b.limit).map(memoryDto) });
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
      responses: described("the memory"),
    }),
    (c) => c.json(memoryDto(memories.setTags(userOf(c), c.req.valid("param").id, c.req.valid("json").tags))),
  );
}
