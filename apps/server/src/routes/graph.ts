import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { EngramError, type CommunityRow, type MemoryRow } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, idParam, json, scoped, timestamp } from "./define.js";
import { linkDto, linkSchema, memoryStatusSchema } from "./memory-shapes.js";

export const int = (min: number, max: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be an integer")
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

const graphQuery = z.object({
  limit: int(1, 5000).optional(),
  /** The reference's GUI asks with ?max=. */
  max: int(1, 5000).optional(),
  edge_limit: int(1, 20_000).default(5000),
  community_id: int(1, Number.MAX_SAFE_INTEGER).optional(),
});
const neighborhoodQuery = z.object({
  depth: int(1, 3).default(2),
  limit: int(1, 1000).default(100),
  link_types: z
    .string()
    .transform((s) => s.split(",").map((t) => t.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z_]{1,50}$/, "must be comma-separated link types such as similarity,extends")).min(1, "must name a link type"))
    .optional(),
});
const timelineQuery = z.object({ weeks: int(1, 520).default(26) });
const membersQuery = z.object({ limit: int(1, 1000).default(50) });
const adminQuery = z.object({ user_id: int(1, Number.MAX_SAFE_INTEGER).optional() });

/** A memory as a graph node: enough to draw and label it. */
export const nodeSchema = z
  .object({
    id: z.number().int(),
    content: z.string(),
    category: z.string(),
    importance: z.number().int(),
    tags: z.array(z.string()),
    status: memoryStatusSchema,
    is_latest: z.boolean(),
    community_id: z.number().int().nullable(),
    pagerank_score: z.number(),
    created_at: timestamp,
  })
  .meta({ id: "GraphNode" });
export const nodeDto = (m: MemoryRow): z.infer<typeof nodeSchema> => ({
  id: m.id,
  content: m.content,
  category: m.category,
  importance: m.importance,
  tags: m.tags,
  status: m.status,
  is_latest: m.isLatest,
  community_id: m.communityId,
  pagerank_score: m.pagerankScore,
  created_at: m.createdAt,
});

export const communitySchema = z
  .object({ id: z.number().int(), label: z.string(), size: z.number().int(), created_at: timestamp })
  .meta({ id: "Community" });
export const communityDto = (c: CommunityRow): z.infer<typeof communitySchema> => ({ id: c.id, label: c.label, size: c.size, created_at: c.createdAt });

const overviewSchema = z.object({
  nodes: z.array(nodeSchema),
  edges: z.array(linkSchema),
  node_count: z.number().int(),
  edge_count: z.number().int(),
  truncated: z.boolean().describe("True when more edges joined these nodes than were returned"),
});
const neighborhoodSchema = z.object({
  center: z.number().int(),
  nodes: z.array(nodeSchema),
  edges: z.array(linkSchema),
  hops: z.record(z.string(), z.number().int()).describe("Hops from the center, by memory id"),
  truncated: z.boolean(),
});
const timelineSchema = z.object({
  weeks: z.array(
    z.object({
      week_start: z.string().describe("Monday of the ISO week, YYYY-MM-DD (UTC)"),
      memories: z.number().int(),
      versions: z.number().int(),
      links: z.number().int(),
      entities: z.number().int(),
      total_memories: z.number().int(),
      total_links: z.number().int(),
    }),
  ),
});
const communitiesSchema = z.object({
  communities: z.array(communitySchema.extend({ top_memories: z.array(z.number().int()).describe("Members by PageRank, most central first") })),
  count: z.number().int(),
  modularity: z.number().nullable(),
  refreshed_at: timestamp.nullable(),
});
const communityMembersSchema = z.object({ community: communitySchema, members: z.array(nodeSchema) });
const communitiesResultSchema = z.object({
  success: z.literal(true),
  user_id: z.number().int(),
  nodes: z.number().int(),
  edges: z.number().int(),
  communities: z.number().int(),
  modularity: z.number(),
  memories_assigned: z.number().int(),
  duration_ms: z.number(),
});
const pagerankResultSchema = z.object({
  success: z.literal(true),
  user_id: z.number().int(),
  nodes: z.number().int(),
  edges: z.number().int().describe("Links among the nodes (a similarity link counts once)"),
  memories_updated: z.number().int(),
  duration_ms: z.number(),
});
const rebuildResultSchema = z.object({
  success: z.literal(true),
  users_updated: z.number().int(),
  memories_updated: z.number().int(),
  duration_ms: z.number(),
});

export function registerGraphRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { graph, auth } = deps.engram;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;
  /** Admin routes act on ?user_id= (an existing user) or, without it, on the caller. */
  const targetUser = (userId: number | undefined, fallback: number) => {
    if (userId === undefined) return fallback;
    if (!auth.listUsers().some((u) => u.id === userId)) throw new EngramError("not_found", "user not found");
    return userId;
  };

  app.openapi(
    createRoute({
      method: "get",
      path: "/graph",
      tags: ["graph"],
      summary: "The most central memories (by PageRank) and the links among them",
      middleware: scoped("read"),
      request: { query: graphQuery },
      responses: { 200: json(overviewSchema, "nodes and edges"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const q = c.req.valid("query");
      const view = graph.views.overview(userOf(c), { limit: q.max ?? q.limit ?? 500, edgeLimit: q.edge_limit, communityId: q.community_id });
      return c.json({
        nodes: view.nodes.map(nodeDto),
        edges: view.edges.map(linkDto),
        node_count: view.nodes.length,
        edge_count: view.edges.length,
        truncated: view.truncated,
      }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/graph/neighborhood/{id}",
      tags: ["graph"],
      summary: "Memories within a few links of one memory",
      middleware: scoped("read"),
      request: { params: idParam, query: neighborhoodQuery },
      responses: { 200: json(neighborhoodSchema, "nodes, edges and hop counts"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const { id } = c.req.valid("param");
      const q = c.req.valid("query");
      const n = graph.views.neighborhood(userOf(c), id, { depth: q.depth, limit: q.limit, types: q.link_types });
      return c.json({
        center: n.center,
        nodes: n.nodes.map(nodeDto),
        edges: n.edges.map(linkDto),
        hops: Object.fromEntries(n.hops),
        truncated: n.truncated,
      }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/graph/timeline",
      tags: ["graph"],
      summary: "Weekly growth: memories, versions, links and entities per ISO week",
      middleware: scoped("read"),
      request: { query: timelineQuery },
      responses: { 200: json(timelineSchema, "weeks, oldest first"), ...errors(400, 401, 403) },
    }),
    (c) => c.json({ weeks: graph.views.timeline(userOf(c), c.req.valid("query").weeks) }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/communities",
      tags: ["graph"],
      summary: "Communities found by the last refresh, biggest first",
      middleware: scoped("read"),
      responses: { 200: json(communitiesSchema, "communities"), ...errors(401, 403) },
    }),
    (c) => {
      const { communities, state } = graph.views.communities(userOf(c));
      return c.json({
        communities: communities.map((s) => ({ ...communityDto(s.community), top_memories: s.topMemories })),
        count: communities.length,
        modularity: state?.modularity ?? null,
        refreshed_at: state?.refreshedAt ?? null,
      }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/communities/{id}",
      tags: ["graph"],
      summary: "One community and its members, most central first",
      middleware: scoped("read"),
      request: { params: idParam, query: membersQuery },
      responses: { 200: json(communityMembersSchema, "community and members"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const { community, members } = graph.views.community(userOf(c), c.req.valid("param").id, c.req.valid("query").limit);
      return c.json({ community: communityDto(community), members: members.map(nodeDto) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/graph/communities",
      tags: ["graph"],
      summary: "Detect your communities now (Louvain)",
      middleware: scoped("write"),
      responses: { 200: json(communitiesResultSchema, "communities found"), ...errors(401, 403) },
    }),
    async (c) => c.json(await graph.refresher.communities(userOf(c)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/graph/pagerank",
      tags: ["graph"],
      summary: "Recompute your memories' PageRank now",
      middleware: scoped("write"),
      responses: { 200: json(pagerankResultSchema, "scores updated"), ...errors(401, 403) },
    }),
    async (c) => c.json(await graph.refresher.pagerank(userOf(c)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/detect-communities",
      tags: ["graph"],
      summary: "Detect a user's communities now (admin; ?user_id=, default yourself)",
      middleware: scoped("admin"),
      request: { query: adminQuery },
      responses: { 200: json(communitiesResultSchema, "communities found"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => c.json(await graph.refresher.communities(targetUser(c.req.valid("query").user_id, userOf(c))), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/pagerank/rebuild",
      tags: ["graph"],
      summary: "Recompute PageRank for one user (?user_id=) or for every user (admin)",
      middleware: scoped("admin"),
      request: { query: adminQuery },
      responses: { 200: json(rebuildResultSchema, "users and memories updated"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const { user_id } = c.req.valid("query");
      const users = user_id !== undefined ? [targetUser(user_id, userOf(c))] : auth.listUsers().map((u) => u.id);
      const results = [];
      for (const u of users) results.push(await graph.refresher.pagerank(u));
      return c.json({
        success: true as const,
        users_updated: results.length,
        memories_updated: results.reduce((n, r) => n + r.memories_updated, 0),
        duration_ms: Math.round(results.reduce((n, r) => n + r.duration_ms, 0) * 10) / 10,
      }, 200);
    },
  );
}
