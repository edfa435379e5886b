import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { ENTITY_TYPES, entityInputSchema, type EntityRow } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, idParam, json, jsonBody, scoped, timestamp } from "./define.js";
import { memoryDto, memorySchema } from "./memory-shapes.js";

const page = {
  limit: z.coerce.number({ error: "must be a number" }).int("must be an integer").min(1).max(1000).default(50),
  offset: z.coerce.number({ error: "must be a number" }).int("must be an integer").min(0).default(0),
};
const listQuery = z.object({
  ...page,
  type: z.enum(ENTITY_TYPES, { error: `must be one of ${ENTITY_TYPES.join(", ")}` }).optional(),
});
const limitQuery = z.object({ limit: page.limit });
const relationshipsQuery = z.object({
  entity_id: z.coerce.number({ error: "must be a number" }).int("must be an integer").positive("must be positive").optional(),
  limit: page.limit,
});
const projectInput = entityInputSchema.omit({ entity_type: true });

const entitySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    entity_type: z.string(),
    description: z.string().nullable(),
    aliases: z.array(z.string()),
    space_id: z.number().int().nullable(),
    origin: z.enum(["extracted", "manual"]),
    occurrence_count: z.number().int(),
    first_seen_at: timestamp.nullable(),
    last_seen_at: timestamp.nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: "Entity" });
const entityListSchema = z.object({ entities: z.array(entitySchema), count: z.number().int(), limit: z.number().int(), offset: z.number().int() });
const entityDetailSchema = entitySchema.extend({
  cooccurrences: z.array(entitySchema.extend({ count: z.number().int(), weight: z.number() })).describe("Entities named together with this one"),
});
const entityMemoriesSchema = z.object({
  entity_id: z.number().int(),
  memory_ids: z.array(z.number().int()),
  memories: z.array(memorySchema.extend({ salience: z.number() })),
});
const memoryEntitiesSchema = z.object({
  memory_id: z.number().int(),
  entities: z.array(z.object({ id: z.number().int(), name: z.string(), entity_type: z.string(), salience: z.number() })),
});

const entityRefSchema = z.object({ id: z.number().int(), name: z.string(), entity_type: z.string() });
const relationshipsSchema = z.object({
  relationships: z.array(
    z.object({
      source: entityRefSchema,
      target: entityRefSchema,
      type: z.literal("co_occurs").describe("Named together in the same memories"),
      count: z.number().int().describe("Memories naming both"),
      weight: z.number().describe("Summed salience of the pair over those memories"),
    }),
  ),
  count: z.number().int(),
  limit: z.number().int(),
});
const entityRef = (e: EntityRow): z.infer<typeof entityRefSchema> => ({ id: e.id, name: e.name, entity_type: e.entityType });
const entityDto = (e: EntityRow): z.infer<typeof entitySchema> => ({
  id: e.id,
  name: e.name,
  entity_type: e.entityType,
  description: e.description,
  aliases: e.aliases,
  space_id: e.spaceId,
  origin: e.origin,
  occurrence_count: e.occurrenceCount,
  first_seen_at: e.firstSeenAt,
  last_seen_at: e.lastSeenAt,
  created_at: e.createdAt,
  updated_at: e.updatedAt,
});

export function registerEntityRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { entities } = deps.engram.graph;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;

  app.openapi(
    createRoute({
      method: "post",
      path: "/entities",
      tags: ["entities"],
      summary: "Declare an entity (person, server, tool, project...); an existing name is updated",
      middleware: scoped("write"),
      request: jsonBody(entityInputSchema),
      responses: { 201: json(entitySchema, "created"), 200: json(entitySchema, "an entity of that name existed and was updated"), ...errors(400, 401, 403, 503) },
    }),
    async (c) => {
      const { entity, created } = await entities.declare(userOf(c), c.req.valid("json"));
      c.set("auditTargets", [entity.id]);
      return c.json(entityDto(entity), created ? 201 : 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/projects",
      tags: ["entities"],
      summary: "Declare a project: an entity of type project",
      middleware: scoped("write"),
      request: jsonBody(projectInput),
      responses: { 201: json(entitySchema, "created"), 200: json(entitySchema, "a project of that name existed and was updated"), ...errors(400, 401, 403, 503) },
    }),
    async (c) => {
      const { entity, created } = await entities.declare(userOf(c), { ...c.req.valid("json"), entity_type: "project" });
      c.set("auditTargets", [entity.id]);
      return c.json(entityDto(entity), created ? 201 : 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/entities",
      tags: ["entities"],
      summary: "Your entities, most often named first",
      middleware: scoped("read"),
      request: { query: listQuery },
      responses: { 200: json(entityListSchema, "entities"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const q = c.req.valid("query");
      const rows = entities.list(userOf(c), q);
      return c.json({ entities: rows.map(entityDto), count: rows.length, limit: q.limit, offset: q.offset }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/entities/{id}",
      tags: ["entities"],
      summary: "One entity and the entities named together with it",
      middleware: scoped("read"),
      request: { params: idParam },
      responses: { 200: json(entityDetailSchema, "entity"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const userId = userOf(c);
      const { id } = c.req.valid("param");
      const entity = entities.get(userId, id);
      const cooccurrences = entities.cooccurring(userId, id, 20).map((o) => ({ ...entityDto(o.entity), count: o.count, weight: o.weight }));
      return c.json({ ...entityDto(entity), cooccurrences }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/entities/{id}/memories",
      tags: ["entities"],
      summary: "The memories naming an entity, newest first",
      middleware: scoped("read"),
      request: { params: idParam, query: limitQuery },
      responses: { 200: json(entityMemoriesSchema, "memories"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const { id } = c.req.valid("param");
      const rows = entities.memories(userOf(c), id, c.req.valid("query").limit);
      return c.json({
        entity_id: id,
        memory_ids: rows.map((r) => r.memory.id),
        memories: rows.map((r) => ({ ...memoryDto(r.memory), salience: r.salience })),
      }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/memory/{id}/entities",
      tags: ["entities"],
      summary: "The entities a memory names, most salient first",
      middleware: scoped("read"),
      request: { params: idParam },
      responses: { 200: json(memoryEntitiesSchema, "entities"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const { id } = c.req.valid("param");
      const mentions = entities.ofMemory(userOf(c), id);
      return c.json({
        memory_id: id,
        entities: mentions.map((m) => ({ id: m.entity.id, name: m.entity.name, entity_type: m.entity.entityType, salience: m.salience })),
      }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/entity-relationships",
      tags: ["entities"],
      summary: "Relationships between your entities (named together in memories), strongest first; ?entity_id= for one entity's",
      middleware: scoped("read"),
      request: { query: relationshipsQuery },
      responses: { 200: json(relationshipsSchema, "relationships"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const q = c.req.valid("query");
      const rows = entities.relationships(userOf(c), { entityId: q.entity_id, limit: q.limit });
      return c.json({
        relationships: rows.map((r) => ({ source: entityRef(r.source), target: entityRef(r.target), type: "co_occurs" as const, count: r.count, weight: r.weight })),
        count: rows.length,
        limit: q.limit,
      }, 200);
    },
  );
}
