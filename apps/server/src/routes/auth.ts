import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { ApiKeyRow, IssuedKey, SpaceRow, UserRow } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { deletedSchema, errors, idParam, json, jsonBody, scoped, timestamp } from "./define.js";

const bootstrapBody = z.object({ name: z.string().trim().min(1).max(100).optional(), secret: z.string().optional() });
const userBody = z.object({
  username: z.string().trim().min(1, "must not be empty").max(100),
  email: z.string().email("must be an email address").optional(),
  role: z.enum(["admin", "writer", "reader"]).default("writer"),
});
const keyBody = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  scopes: z.string().optional(),
  user_id: z.number().int().positive().optional(),
  rate_limit: z.number().int().positive().max(1_000_000).optional(),
  expires_at: z.string().optional(),
  ttl_secs: z.number().int().positive().optional(),
  review_required: z.boolean().optional().describe("Memories written with this key wait in the review inbox until approved"),
});
const rotateBody = z.object({
  key_id: z.number().int().positive(),
  grace_hours: z.number().min(0).max(24 * 90).default(24),
});
const spaceBody = z.object({ name: z.string().trim().min(1, "must not be empty").max(100), description: z.string().max(1000).optional() });
const keysQuery = z.object({ user_id: z.coerce.number().int().positive().optional() });

const roleSchema = z.enum(["admin", "writer", "reader"]);

const userSchema = z
  .object({ id: z.number().int(), username: z.string(), email: z.string().nullable(), role: roleSchema, created_at: timestamp })
  .meta({ id: "User" });
const userDto = (u: UserRow): z.infer<typeof userSchema> => ({ id: u.id, username: u.username, email: u.email, role: u.role, created_at: u.createdAt });

const keySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    key_prefix: z.string(),
    scopes: z.string().describe('Comma-separated: "read,write"'),
    user_id: z.number().int(),
    rate_limit: z.number().int().nullable(),
    created_at: timestamp,
    expires_at: timestamp.nullable(),
    last_used_at: timestamp.nullable(),
    minted_by: z.number().int().nullable().describe("The key that minted this one; revoking it revokes this one too"),
    rotated_from: z.number().int().nullable(),
    review_required: z.boolean().describe("Memories written with this key wait in the review inbox"),
  })
  .meta({ id: "ApiKey" });
const keyDto = (k: ApiKeyRow): z.infer<typeof keySchema> => ({
  id: k.id,
  name: k.name,
  key_prefix: k.keyPrefix,
  scopes: k.scopes,
  user_id: k.userId,
  rate_limit: k.rateLimit,
  created_at: k.createdAt,
  expires_at: k.expiresAt,
  last_used_at: k.lastUsedAt,
  minted_by: k.mintedById,
  review_required: k.reviewRequired,
  rotated_from: k.rotatedFromId,
});

const issuedKeySchema = z
  .object({
    key: z.string().describe("The plain key, shown only once"),
    api_key: z.string().describe("Same value as key"),
    id: z.number().int(),
    name: z.string(),
    scopes: z.string(),
    rate_limit: z.number().int().nullable(),
    user_id: z.number().int(),
    expires_at: timestamp.nullable(),
    review_required: z.boolean(),
    message: z.string(),
  })
  .meta({ id: "IssuedKey" });
const rotatedKeySchema = issuedKeySchema.extend({ rotated_from: z.number().int(), grace_hours: z.number() }).meta({ id: "RotatedKey" });
const issuedKeyDto = (k: IssuedKey, message: string): z.infer<typeof issuedKeySchema> => ({
  key: k.key,
  api_key: k.key,
  id: k.row.id,
  name: k.row.name,
  scopes: k.row.scopes,
  rate_limit: k.row.rateLimit,
  user_id: k.row.userId,
  expires_at: k.row.expiresAt,
  review_required: k.row.reviewRequired,
  message,
});

const spaceSchema = z
  .object({ id: z.number().int(), name: z.string(), description: z.string().nullable(), created_at: timestamp })
  .meta({ id: "Space" });
const spaceDto = (s: SpaceRow): z.infer<typeof spaceSchema> => ({ id: s.id, name: s.name, description: s.description, created_at: s.createdAt });

const usersSchema = z.object({ users: z.array(userSchema) });
const keysSchema = z.object({ keys: z.array(keySchema) });
const revokedSchema = z.object({
  revoked: z.literal(true),
  id: z.number().int(),
  also_revoked: z.array(z.number().int()).describe("Keys revoked with it: every key it minted, at any depth"),
});
const spacesSchema = z.object({ spaces: z.array(spaceSchema.extend({ memory_count: z.number().int() })) });

export function registerAuthRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { auth } = deps.engram;

  app.openapi(
    createRoute({
      method: "post",
      path: "/bootstrap",
      tags: ["auth"],
      summary: "Create the first admin user and key on an empty database",
      request: jsonBody(bootstrapBody),
      responses: { 201: json(issuedKeySchema, "admin user and key created"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const body = c.req.valid("json");
      const { user, key, row } = auth.bootstrap(body.name, body.secret, deps.bootstrapSecret);
      c.set("auditTargets", [user.id]);
      return c.json(
        {
          ...issuedKeyDto({ key, row }, "Store this key now: it is not shown again."),
          name: user.username,
          scopes: row.scopes,
          user_id: user.id,
        },
        201,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/users",
      tags: ["auth"],
      summary: "Create a user (admin)",
      middleware: scoped("admin"),
      request: jsonBody(userBody),
      responses: { 201: json(userSchema, "user created"), ...errors(400, 401, 403, 409) },
    }),
    (c) => {
      const b = c.req.valid("json");
      const user = auth.createUser(b.username, b.email, b.role);
      c.set("auditTargets", [user.id]);
      return c.json(userDto(user), 201);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/users", tags: ["auth"], summary: "List users (admin)", middleware: scoped("admin"), responses: { 200: json(usersSchema, "users"), ...errors(401, 403) } }),
    (c) => c.json({ users: auth.listUsers().map(userDto) }, 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/keys",
      tags: ["auth"],
      summary: "Create an API key (admin for anyone, a user for itself)",
      middleware: scoped("read"),
      request: jsonBody(keyBody),
      responses: { 201: json(issuedKeySchema, "key created; the plain key is shown once"), ...errors(400, 401, 403, 409) },
    }),
    (c) => {
      const issued = auth.createKey(c.get("principal"), c.req.valid("json"));
      c.set("auditTargets", [issued.row.id]);
      return c.json(issuedKeyDto(issued, "Store this key now: it is not shown again."), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/keys",
      tags: ["auth"],
      summary: "List the live keys you could manage, and your own (an admin sees every user's, optionally one user's)",
      middleware: scoped("read"),
      request: { query: keysQuery },
      responses: { 200: json(keysSchema, "keys"), ...errors(400, 401, 403) },
    }),
    (c) => c.json({ keys: auth.listKeys(c.get("principal"), c.req.valid("query").user_id).map(keyDto) }, 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/keys/{id}",
      tags: ["auth"],
      summary: "Revoke a key and every key it minted (another key: needs write and every scope it holds; your own: always)",
      // Any key may revoke itself; the service asks for write (and the target's scopes) for any other.
      middleware: scoped("read"),
      request: { params: idParam },
      responses: { 200: json(revokedSchema, "revoked"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const { id } = c.req.valid("param");
      const revoked = auth.revokeKey(c.get("principal"), id);
      c.set("auditTargets", revoked);
      return c.json({ revoked: true as const, id, also_revoked: revoked.filter((k) => k !== id) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/keys/rotate",
      tags: ["auth"],
      summary: "Issue a successor key; the old one keeps working for grace_hours (needs write and all the old key holds)",
      middleware: scoped("write"),
      request: jsonBody(rotateBody),
      responses: { 201: json(rotatedKeySchema, "the new key"), ...errors(400, 401, 403, 404, 409) },
    }),
    (c) => {
      const b = c.req.valid("json");
      const issued = auth.rotateKey(c.get("principal"), b.key_id, b.grace_hours);
      c.set("auditTargets", [b.key_id, issued.row.id]);
      return c.json(
        {
          ...issuedKeyDto(issued, `The old key keeps working for ${b.grace_hours} hours.`),
          rotated_from: b.key_id,
          grace_hours: b.grace_hours,
        },
        201,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/spaces",
      tags: ["spaces"],
      summary: "Create a space inside your tenant",
      middleware: scoped("write"),
      request: jsonBody(spaceBody),
      responses: { 201: json(spaceSchema, "space created"), ...errors(400, 401, 403, 409) },
    }),
    (c) => {
      const b = c.req.valid("json");
      const space = auth.createSpace(c.get("principal").user.id, b.name, b.description);
      c.set("auditTargets", [space.id]);
      return c.json(spaceDto(space), 201);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/spaces", tags: ["spaces"], summary: "List your spaces", middleware: scoped("read"), responses: { 200: json(spacesSchema, "spaces"), ...errors(401, 403) } }),
    (c) =>
      c.json({
        spaces: auth.listSpaces(c.get("principal").user.id).map((s) => ({ ...spaceDto(s), memory_count: s.memory_count })),
      }, 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/spaces/{id}",
      tags: ["spaces"],
      summary: "Delete an empty space",
      middleware: scoped("write"),
      request: { params: idParam },
      responses: { 200: json(deletedSchema, "deleted"), ...errors(400, 401, 403, 404, 409) },
    }),
    (c) => {
      const { id } = c.req.valid("param");
      auth.deleteSpace(c.get("principal").user.id, id);
      return c.json({ deleted: true as const, id }, 200);
    },
  );
}
