import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { typeError } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, idParam, json, jsonBody, scoped, timestamp } from "./define.js";
import { limitQuery, memoryIdField, memoryIdParam, optionalJsonBody } from "./intelligence-shapes.js";

const unit = z.number({ error: typeError("a number") }).min(0, "must be between 0 and 1").max(1, "must be between 0 and 1");

const chainBody = z.object({
  root_memory_id: memoryIdField.optional(),
  description: z.string({ error: typeError("a string") }).max(2000, "must be at most 2000 characters").optional(),
});
const linkBody = z.object({
  chain_id: z.number({ error: typeError("an integer") }).int("must be an integer").positive("must be a positive integer"),
  cause_memory_id: memoryIdField,
  effect_memory_id: memoryIdField,
  strength: unit.default(1),
  order_index: z.number({ error: typeError("an integer") }).int("must be an integer").min(0, "must be 0 or more").default(0),
});
const backwardBody = z.object({
  max_depth: z.number({ error: typeError("an integer") }).int("must be an integer").min(1, "must be between 1 and 20").max(20, "must be between 1 and 20").default(5),
});

const linkSchema = z
  .object({
    id: z.number().int(),
    chain_id: z.number().int(),
    cause_memory_id: z.number().int(),
    effect_memory_id: z.number().int(),
    strength: z.number(),
    order_index: z.number().int(),
    created_at: timestamp,
  })
  .meta({ id: "CausalLink" });
const chainSchema = z
  .object({
    id: z.number().int(),
    root_memory_id: z.number().int().nullable(),
    description: z.string().nullable(),
    confidence: z.number(),
    user_id: z.number().int(),
    created_at: timestamp,
    links: z.array(linkSchema).describe("by order_index"),
  })
  .meta({ id: "CausalChain" });
const ancestorsSchema = z.object({
  ancestors: z.array(z.object({ memory_id: z.number().int(), depth: z.number().int(), strength_min: z.number() })),
  max_depth: z.number().int(),
  count: z.number().int(),
});

export function registerCausalRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { causal } = deps.engram;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;

  app.openapi(
    createRoute({
      method: "post",
      path: "/intelligence/causal/chains",
      tags: ["intelligence"],
      summary: "Start a causal chain, optionally rooted at one of your memories",
      middleware: scoped("write"),
      request: jsonBody(chainBody),
      responses: { 201: json(chainSchema, "the new chain"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const chain = causal.createChain(userOf(c), c.req.valid("json"));
      if (chain.root_memory_id !== null) c.set("auditTargets", [chain.root_memory_id]);
      return c.json(chain, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/intelligence/causal/chains",
      tags: ["intelligence"],
      summary: "Your causal chains, newest first, each with its links",
      middleware: scoped("read"),
      request: { query: z.object({ limit: limitQuery(500, 20) }) },
      responses: { 200: json(z.object({ chains: z.array(chainSchema) }), "the chains"), ...errors(400, 401, 403) },
    }),
    (c) => c.json({ chains: causal.chains(userOf(c), c.req.valid("query").limit) }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/intelligence/causal/chains/{id}",
      tags: ["intelligence"],
      summary: "A causal chain with its links by order_index",
      middleware: scoped("read"),
      request: { params: idParam },
      responses: { 200: json(chainSchema, "the chain"), ...errors(400, 401, 403, 404) },
    }),
    (c) => c.json(causal.chain(userOf(c), c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/intelligence/causal/links",
      tags: ["intelligence"],
      summary: "Add cause → effect to a chain; also records a caused_by memory link (effect → cause)",
      middleware: scoped("write"),
      request: jsonBody(linkBody),
      responses: { 201: json(linkSchema, "the new link"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const link = causal.addLink(userOf(c), c.req.valid("json"));
      c.set("auditTargets", [link.cause_memory_id, link.effect_memory_id]);
      return c.json(link, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/intelligence/causal/backward/{memory_id}",
      tags: ["intelligence"],
      summary: "The memory's causes, breadth-first through your causal links (changes nothing)",
      middleware: scoped("read"),
      request: { params: memoryIdParam, ...optionalJsonBody(backwardBody) },
      responses: { 200: json(ancestorsSchema, "ancestors, shallowest first"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const maxDepth = c.req.valid("json")?.max_depth ?? 5;
      const ancestors = causal.backward(userOf(c), c.req.valid("param").memory_id, maxDepth);
      return c.json({ ancestors, max_depth: maxDepth, count: ancestors.length }, 200);
    },
  );
}
