import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { IssuedKey } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { keyDto, spaceDto, userDto } from "../dto.js";
import { described, idParam, jsonBody, scoped } from "./define.js";

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
});
const rotateBody = z.object({
  key_id: z.number().int().positive(),
  grace_hours: z.number().min(0).max(24 * 90).default(24),
});
const spaceBody = z.object({ name: z.string().trim().min(1, "must not be empty").max(100), description: z.string().max(1000).optional() });
const keysQuery = z.object({ user_id: z.coerce.number().int().positive().optional() });

const issuedKeyDto = (k: IssuedKey, message: string) => ({
  key: k.key,
  api_key: k.key,
  id: k.row.id,
  name: k.row.name,
  scopes: k.row.scopes,
  rate_limit: k.row.rateLimit,
  user_id: k.row.userId,
  expires_at: k.row.expiresAt,
  message,
});

export function registerAuthRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { auth } = deps.engram;

  app.openapi(
    createRoute({
      method: "post",
      path: "/bootstrap",
      tags: ["auth"],
      summary: "Create the first admin user and key on an empty database",
      request: jsonBody(bootstrapBody),
      responses: described("admin user and key created", 201),
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
      responses: described("user created", 201),
    }),
    (c) => {
      const b = c.req.valid("json");
      const user = auth.createUser(b.username, b.email, b.role);
      c.set("auditTargets", [user.id]);
      return c.json(userDto(user), 201);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/users", tags: ["auth"], summary: "List users (admin)", middleware: scoped("admin"), responses: described("users") }),
    (c) => c.json({ users: auth.listUsers().map(userDto) }),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/keys",
      tags: ["auth"],
      summary: "Create an API key (admin for anyone, a user for itself)",
      middleware: scoped("read"),
      request: jsonBody(keyBody),
      responses: described("key created; the plain key is shown once", 201),
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
      responses: described("keys"),
    }),
    (c) => c.json({ keys: auth.listKeys(c.get("principal"), c.req.valid("query").user_id).map(keyDto) }),
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
      responses: described("revoked"),
    }),
    (c) => {
      const { id } = c.req.valid("param");
      const revoked = auth.revokeKey(c.get("principal"), id);
      c.set("auditTargets", revoked);
      return c.json({ revoked: true, id, also_revoked: revoked.filter((k) => k !== id) });
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
      responses: described("the new key", 201),
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
      responses: described("space created", 201),
    }),
    (c) => {
      const b = c.req.valid("json");
      const space = auth.createSpace(c.get("principal").user.id, b.name, b.description);
      c.set("auditTargets", [space.id]);
      return c.json(spaceDto(space), 201);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/spaces", tags: ["spaces"], summary: "List your spaces", middleware: scoped("read"), responses: described("spaces") }),
    (c) =>
      c.json({
        spaces: auth.listSpaces(c.get("principal").user.id).map((s) => ({ ...spaceDto(s), memory_count: s.memory_count })),
      }),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/spaces/{id}",
      tags: ["spaces"],
      summary: "Delete an empty space",
      middleware: scoped("write"),
      request: { params: idParam },
      responses: described("deleted"),
    }),
    (c) => {
      const { id } = c.req.valid("param");
      auth.deleteSpace(c.get("principal").user.id, id);
      return c.json({ deleted: true, id });
    },
  );
}
