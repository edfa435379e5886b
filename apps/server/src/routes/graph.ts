import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { EngramError, type CommunityRow, type MemoryRow } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { linkDto } from "../dto.js";
import { described, idParam, scoped } from "./define.js";

const int = (min: number, max: number) =>
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
export const nodeDto = (m: MemoryRow) => ({
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

const communityDto = (c: CommunityRow) => ({ id: c.id, label: c.label, size: c.size, created_at: c.createdAt });

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
      responses: described("nodes and edges"),
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
      });
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
      responses: described("nodes, edges and hop counts"),
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
      });
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
      responses: described("weeks, oldest first"),
    }),
    (c) => c.json({ weeks: graph.views.timeline(userOf(c), c.req.valid("query").weeks) }),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/communities",
      tags: ["graph"],
      summary: "Communities found by the last refresh, biggest first",
      middleware: scoped("read"),
      responses: described("communities"),
    }),
    (c) => {
      const { communities, state } = graph.views.communities(userOf(c));
      return c.json({
        communities: communities.map((s) => ({ ...communityDto(s.community), top_memories: s.topMemories })),
        count: communities.length,
        modularity: state?.modularity ?? null,
        refreshed_at: state?.refreshedAt ?? null,
      });
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
      responses: described("community and members"),
    }),
    (c) => {
      const { community, members } = graph.views.community(userOf(c), c.req.valid("param").id, c.req.valid("query").limit);
      return c.json({ community: communityDto(community), members: members.map(nodeDto) });
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/graph/communities",
      tags: ["graph"],
      summary: "Detect your communities now (Louvain)",
      middleware: scoped("write"),
      responses: described("communities found"),
    }),
    async (c) => c.json(await graph.refresher.communities(userOf(c))),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/graph/pagerank",
      tags: ["graph"],
      summary: "Recompute your memories' PageRank now",
      middleware: scoped("write"),
      responses: described("scores updated"),
    }),
    async (c) => c.json(await graph.refresher.pagerank(userOf(c))),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/detect-communities",
      tags: ["graph"],
      summary: "Detect a user's communities now (admin; ?user_id=, default yourself)",
      middleware: scoped("admin"),
      request: { query: adminQuery },
      responses: described("communities found"),
    }),
    async (c) => c.json(await graph.refresher.communities(targetUser(c.req.valid("query").user_id, userOf(c)))),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/pagerank/rebuild",
      tags: ["graph"],
      summary: "Recompute PageRank for one user (?user_id=) or for every user (admin)",
      middleware: scoped("admin"),
      request: { query: adminQuery },
      responses: described("users and memories updated"),
    }),
    async (c) => {
      const { user_id } = c.req.valid("query");
      const users = user_id !== undefined ? [targetUser(user_id, userOf(c))] : auth.listUsers().map((u) => u.id);
      const results = [];
      for (const u of users) results.push(await graph.refresher.pagerank(u));
      return c.json({
        success: true,
        users_updated: results.length,
        memories_updated: results.reduce((n, r) => n + r.memories_updated, 0),
        duration_ms: Math.round(results.reduce((n, r) => n + r.duration_ms, 0) * 10) / 10,
      });
    },
  );
}
