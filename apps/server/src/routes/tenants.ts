import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { hasScope } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, jsonBody, scoped, timestamp } from "./define.js";

/**
 * Identity and tenants (contracts/platform.md §6): who the caller is and what it holds, and for
 * admins every tenant's counts and provisioning of a new tenant in one step.
 */

const roleSchema = z.enum(["admin", "writer", "reader"]);
const meSchema = z
  .object({
    user_id: z.number().int(),
    username: z.string(),
    role: roleSchema,
    is_admin: z.boolean(),
    auth: z.enum(["key", "open-access"]),
    key: z
      .object({
        id: z.number().int(),
        name: z.string(),
        key_prefix: z.string(),
        scopes: z.string(),
        rate_limit: z.number().int().nullable(),
        expires_at: timestamp.nullable(),
      })
      .nullable()
      .describe("The key of this request; null in open access"),
  })
  .meta({ id: "Me" });
const meStatsSchema = z.object({
  memories: z.number().int().describe("Latest memories that are not forgotten, archived ones included"),
  archived: z.number().int(),
  conversations: z.number().int(),
  episodes: z.number().int(),
  entities: z.number().int(),
  skills: z.number().int().describe("Always 0 until the skills service exists"),
  categories: z.record(z.string(), z.number().int()),
});
const provisionBody = z.object({
  username: z
    .string({ error: "must be a string" })
    .regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1-64 characters of A-Z a-z 0-9 . _ -"),
  email: z.string().max(320).optional(),
  role: roleSchema.default("writer"),
});
const provisionedSchema = z.object({
  user_id: z.number().int(),
  username: z.string(),
  api_key: z.string().describe("Shown once"),
  key_id: z.number().int(),
  scopes: z.string(),
  space_id: z.number().int(),
});
const tenantSchema = z.object({ id: z.number().int(), username: z.string(), role: roleSchema, memory_count: z.number().int(), key_count: z.number().int(), created_at: timestamp });
const usageSchema = z.object({ user_id: z.number().int(), username: z.string(), memory_count: z.number().int(), conversation_count: z.number().int(), api_key_count: z.number().int() });

export function registerTenantRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { auth, tenants } = deps.engram;

  app.openapi(
    createRoute({ method: "get", path: "/me", tags: ["auth"], summary: "Who the caller is, and the key it used", middleware: scoped("read"), responses: { 200: json(meSchema, "the caller"), ...errors(401, 403) } }),
    (c) => {
      const p = c.get("principal");
      const key = auth.keyOf(p);
      return c.json(
        {
          user_id: p.user.id,
          username: p.user.username,
          role: p.user.role,
          is_admin: hasScope(p.scopes, "admin"),
          auth: key ? ("key" as const) : ("open-access" as const),
          key: key && { id: key.id, name: key.name, key_prefix: key.keyPrefix, scopes: key.scopes, rate_limit: key.rateLimit, expires_at: key.expiresAt },
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/me/stats", tags: ["auth"], summary: "What the caller holds", middleware: scoped("read"), responses: { 200: json(meStatsSchema, "counts"), ...errors(401, 403) } }),
    (c) => {
      const userId = c.get("principal").user.id;
      const n = tenants.counts(userId);
      return c.json({ memories: n.memories, archived: n.archived, conversations: n.conversations, episodes: n.episodes, entities: n.entities, skills: 0, categories: tenants.categories(userId) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/tenants/provision",
      tags: ["auth"],
      summary: "A new tenant in one step: the user, its default space and a key (shown once)",
      middleware: scoped("admin"),
      request: jsonBody(provisionBody),
      responses: { 201: json(provisionedSchema, "the tenant and its key"), ...errors(400, 401, 403, 409) },
    }),
    (c) => {
      const b = c.req.valid("json");
      const { user, spaceId, issued } = auth.provision(b.username, b.email, b.role);
      c.set("auditTargets", [user.id]);
      return c.json({ user_id: user.id, username: user.username, api_key: issued.key, key_id: issued.row.id, scopes: issued.row.scopes, space_id: spaceId }, 201);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/admin/tenants", tags: ["admin"], summary: "Every tenant with its memory and live key counts, by id", middleware: scoped("admin"), responses: { 200: json(z.array(tenantSchema), "tenants"), ...errors(401, 403) } }),
    (c) => {
      const counts = new Map(tenants.everyTenant().map((t) => [t.userId, t]));
      const keys = auth.liveKeyCounts();
      return c.json(
        auth.listUsers().map((u) => ({ id: u.id, username: u.username, role: u.role, memory_count: counts.get(u.id)?.memories ?? 0, key_count: keys.get(u.id) ?? 0, created_at: u.createdAt })),
        200,
      );
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/admin/usage", tags: ["admin"], summary: "Every tenant's memories, conversations and live keys", middleware: scoped("admin"), responses: { 200: json(z.array(usageSchema), "usage"), ...errors(401, 403) } }),
    (c) => {
      const counts = new Map(tenants.everyTenant().map((t) => [t.userId, t]));
      const keys = auth.liveKeyCounts();
      return c.json(
        auth.listUsers().map((u) => ({ user_id: u.id, username: u.username, memory_count: counts.get(u.id)?.memories ?? 0, conversation_count: counts.get(u.id)?.conversations ?? 0, api_key_count: keys.get(u.id) ?? 0 })),
        200,
      );
    },
  );
}
