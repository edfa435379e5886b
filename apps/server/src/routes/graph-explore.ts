import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, jsonBody, scoped } from "./define.js";
import { communityDto, communitySchema, int, nodeDto, nodeSchema } from "./graph.js";
import { linkDto, linkSchema, memoryDto, memorySchema } from "./memory-shapes.js";

/**
 * The reference's graph exploration routes: the raw memories and links (a page at a time), a
 * view ready to draw, and a search that returns the matching memories with their neighbourhood.
 * Every read is the caller's tenant's and bounded by the limits below.
 */
const rawQuery = z.object({
  limit: int(1, 5000).default(1000),
  offset: int(0, Number.MAX_SAFE_INTEGER).default(0),
  edge_limit: int(1, 20_000).default(5000),
});
const viewQuery = z.object({ limit: int(1, 2000).default(300), edge_limit: int(1, 20_000).default(3000) });
const graphSearchBody = z.object({
  query: z.string().max(10_000).refine((s) => s.trim().length > 0, "must not be empty"),
  limit: z.number().int().min(1).max(50).default(10).describe("Memories the search finds: the seeds"),
  depth: z.number().int().min(0).max(2).default(1).describe("Hops of links followed from each seed"),
  node_limit: z.number().int().min(1).max(1000).default(100).describe("Memories in the answer at most, seeds first"),
});

const rawSchema = z.object({
  nodes: z.array(memorySchema).describe("Latest live memories, newest first"),
  edges: z.array(linkSchema),
  node_count: z.number().int(),
  edge_count: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  truncated: z.boolean().describe("True when more links joined these memories than were returned"),
});
const viewSchema = z.object({
  nodes: z.array(nodeSchema),
  edges: z.array(linkSchema),
  communities: z.array(communitySchema).describe("The communities the nodes belong to"),
  node_count: z.number().int(),
  edge_count: z.number().int(),
  truncated: z.boolean(),
});
const graphSearchSchema = z.object({
  query: z.string(),
  seeds: z.array(z.object({ id: z.number().int(), score: z.number() })).describe("What the search found, best first"),
  nodes: z.array(nodeSchema),
  edges: z.array(linkSchema),
  hops: z.record(z.string(), z.number().int()).describe("Hops from the nearest seed, by memory id (0 for a seed)"),
  truncated: z.boolean(),
});

export function registerGraphExploreRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { graph, memories, search } = deps.engram;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;

  app.openapi(
    createRoute({
      method: "get",
      path: "/graph/raw",
      tags: ["graph"],
      summary: "Your memories (newest first, a page at a time) and the links among them, unprocessed",
      middleware: scoped("read"),
      request: { query: rawQuery },
      responses: { 200: json(rawSchema, "memories and links"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const q = c.req.valid("query");
      const userId = userOf(c);
      const nodes = memories.list(userId, { limit: q.limit, offset: q.offset });
      const { edges, truncated } = graph.views.edgesAmong(userId, nodes.map((m) => m.id), q.edge_limit);
      return c.json({
        nodes: nodes.map(memoryDto),
        edges: edges.map(linkDto),
        node_count: nodes.length,
        edge_count: edges.length,
        limit: q.limit,
        offset: q.offset,
        truncated,
      }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/graph/view",
      tags: ["graph"],
      summary: "A graph to draw: the most central memories, their links, and the communities that colour them",
      middleware: scoped("read"),
      request: { query: viewQuery },
      responses: { 200: json(viewSchema, "nodes, edges and communities"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const q = c.req.valid("query");
      const view = graph.views.drawing(userOf(c), { limit: q.limit, edgeLimit: q.edge_limit });
      return c.json({
        nodes: view.nodes.map(nodeDto),
        edges: view.edges.map(linkDto),
        communities: view.communities.map(communityDto),
        node_count: view.nodes.length,
        edge_count: view.edges.length,
        truncated: view.truncated,
      }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/graph/search",
      tags: ["graph"],
      summary: "Search, then follow links from what it found: the matching memories and their neighbourhood",
      middleware: scoped("read"),
      request: jsonBody(graphSearchBody),
      responses: { 200: json(graphSearchSchema, "seeds, nodes, edges and hop counts"), ...errors(400, 401, 403) },
    }),
    async (c) => {
      const b = c.req.valid("json");
      const userId = userOf(c);
      const found = await search.search(userId, { query: b.query, limit: Math.min(b.limit, b.node_limit) });
      const hops = new Map<number, number>(found.hits.map((h) => [h.memory.id, 0]));
      let truncated = false;
      // Each seed's neighbourhood is bounded by what room is left, so the whole answer stays within node_limit.
      for (const h of found.hits) {
        if (b.depth === 0) break;
        const room = b.node_limit - hops.size;
        if (room <= 0) {
          truncated = true;
          break;
        }
        // The seed itself, the room left, and one more to tell whether the answer was cut.
        const n = graph.views.neighborhood(userId, h.memory.id, { depth: b.depth, limit: room + 2 });
        for (const [id, d] of n.hops) {
          const known = hops.get(id);
          if (known !== undefined) hops.set(id, Math.min(known, d));
          else if (hops.size < b.node_limit) hops.set(id, d);
          else truncated = true;
        }
      }
      const ids = [...hops.keys()];
      const nodes = graph.views.rows(userId, ids);
      const links = graph.views.edgesAmong(userId, ids, b.node_limit * 10);
      return c.json({
        query: b.query,
        seeds: found.hits.map((h) => ({ id: h.memory.id, score: h.score })),
        nodes: nodes.map(nodeDto),
        edges: links.edges.map(linkDto),
        hops: Object.fromEntries(hops),
        truncated: truncated || links.truncated,
      }, 200);
    },
  );
}
