import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { typeError } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { deletedSchema, errors, idParam, json, jsonBody, scoped } from "./define.js";
import { conversationSchema, messageInput, messageSchema, metadataInput, oversizedMessage } from "./chat-shapes.js";

const agent = z.string({ error: typeError("a string") }).min(1, "must not be empty").max(100);
const title = z.string({ error: typeError("a string") }).max(500);
const sessionId = z.string({ error: typeError("a string") }).min(1, "must not be empty").max(200);

const createBody = z.object({ agent, session_id: sessionId.nullish(), title: title.nullish(), metadata: metadataInput.optional() });
const patchBody = z
  .object({ title: title.optional(), metadata: metadataInput.optional() })
  .refine((b) => b.title !== undefined || b.metadata !== undefined, { message: "title or metadata is required" });
const messageArray = z.array(messageInput).min(1, "must hold at least one message").max(500, "must hold at most 500 messages");
/**
 * One message or an array of them. Dispatched on the body's type rather than a z.union, whose
 * failure reads "Invalid input" instead of naming the field at fault.
 */
const messagesBody = z
  .unknown()
  .transform((v, ctx) => {
    const r = Array.isArray(v) ? messageArray.safeParse(v) : messageInput.safeParse(v);
    if (r.success) return r.data;
    for (const issue of r.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path, input: issue.input });
    return z.NEVER;
  })
  .describe("a message {role, content, metadata?} or an array of 1..500 of them");
const bulkBody = createBody.extend({ messages: z.array(messageInput).max(5000, "must hold at most 5000 messages") });
const upsertBody = createBody.extend({ session_id: sessionId, messages: z.array(messageInput).max(5000, "must hold at most 5000 messages").optional() });
const searchBody = z.object({
  query: z
    .string({ error: typeError("a string") })
    .max(10_000)
    .refine((s) => s.trim().length > 0, "must not be empty"),
  limit: z.number({ error: typeError("a number") }).int().min(1).max(100).default(20),
  conversation_id: z.number({ error: typeError("a number") }).int().positive().optional(),
  agent: z.string({ error: typeError("a string") }).max(100).optional(),
});
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(50), agent: z.string().max(100).optional() });
const pageQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), offset: z.coerce.number().int().min(0).default(0) });

const countedSchema = conversationSchema.extend({ message_count: z.number().int() });
const withMessagesSchema = conversationSchema.extend({ messages: z.array(messageSchema).describe("oldest first") });
const messageListSchema = z.object({ messages: z.array(messageSchema) });
const hitSchema = messageSchema.extend({ agent: z.string(), conv_title: z.string().nullable() });

export function registerConversationRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { conversations } = deps.engram;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;
  const tags = ["conversations"];

  app.openapi(
    createRoute({
      method: "post",
      path: "/conversations",
      tags,
      summary: "Start a conversation log",
      middleware: scoped("write"),
      request: jsonBody(createBody),
      responses: { 201: json(conversationSchema, "the conversation"), ...errors(400, 401, 403) },
    }),
    (c) => c.json(conversations.create(userOf(c), c.req.valid("json")) as z.infer<typeof conversationSchema>, 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/conversations",
      tags,
      summary: "Your conversations, most recently updated first",
      middleware: scoped("read"),
      request: { query: listQuery },
      responses: { 200: json(z.object({ conversations: z.array(countedSchema) }), "conversations"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const q = c.req.valid("query");
      return c.json({ conversations: conversations.list(userOf(c), q.limit, q.agent) as z.infer<typeof countedSchema>[] }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/conversations/{id}",
      tags,
      summary: "A conversation with a page of its messages, oldest first",
      middleware: scoped("read"),
      request: { params: idParam, query: pageQuery },
      responses: { 200: json(withMessagesSchema, "the conversation"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const q = c.req.valid("query");
      return c.json(conversations.get(userOf(c), c.req.valid("param").id, q.limit, q.offset) as z.infer<typeof withMessagesSchema>, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/conversations/{id}",
      tags,
      summary: "Change a conversation's title or metadata",
      middleware: scoped("write"),
      request: { params: idParam, ...jsonBody(patchBody) },
      responses: { 200: json(conversationSchema, "the conversation"), ...errors(400, 401, 403, 404) },
    }),
    (c) => c.json(conversations.update(userOf(c), c.req.valid("param").id, c.req.valid("json")) as z.infer<typeof conversationSchema>, 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/conversations/{id}",
      tags,
      summary: "Delete a conversation and its messages",
      middleware: scoped("write"),
      request: { params: idParam },
      responses: { 200: json(deletedSchema, "deleted"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const id = c.req.valid("param").id;
      conversations.delete(userOf(c), id);
      return c.json({ deleted: true as const, id }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/conversations/{id}/messages",
      tags,
      summary: "Append one message (an object) or several (an array of 1..500)",
      middleware: scoped("write"),
      request: { params: idParam, ...jsonBody(messagesBody) },
      responses: {
        201: json(z.union([messageSchema, messageListSchema]), "the message, or {messages} for an array"),
        ...errors(400, 401, 403, 404),
        413: json(z.object({ error: z.string() }), "a message's content is over 102,400 bytes"),
      },
    }),
    (c) => {
      const body = c.req.valid("json");
      const list = Array.isArray(body) ? body : [body];
      const tooBig = oversizedMessage(list, Array.isArray(body) ? "body" : null);
      if (tooBig) return c.json({ error: tooBig }, 413);
      const rows = conversations.append(userOf(c), c.req.valid("param").id, list) as z.infer<typeof messageSchema>[];
      return Array.isArray(body) ? c.json({ messages: rows }, 201) : c.json(rows[0]!, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/conversations/{id}/messages",
      tags,
      summary: "A page of a conversation's messages, oldest first",
      middleware: scoped("read"),
      request: { params: idParam, query: pageQuery },
      responses: { 200: json(messageListSchema, "messages"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const q = c.req.valid("query");
      return c.json({ messages: conversations.messages(userOf(c), c.req.valid("param").id, q.limit, q.offset) as z.infer<typeof messageSchema>[] }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/conversations/bulk",
      tags,
      summary: "Create a conversation with its messages in one request",
      middleware: scoped("write"),
      request: jsonBody(bulkBody),
      responses: { 201: json(countedSchema, "the conversation"), ...errors(400, 401, 403), 413: json(z.object({ error: z.string() }), "a message over 102,400 bytes") },
    }),
    (c) => {
      const body = c.req.valid("json");
      const tooBig = oversizedMessage(body.messages, "messages");
      if (tooBig) return c.json({ error: tooBig }, 413);
      return c.json(conversations.bulk(userOf(c), body) as z.infer<typeof countedSchema>, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/conversations/upsert",
      tags,
      summary: "Find the conversation of (agent, session_id) or create it, then append the messages",
      middleware: scoped("write"),
      request: jsonBody(upsertBody),
      responses: { 200: json(countedSchema, "the conversation"), ...errors(400, 401, 403), 413: json(z.object({ error: z.string() }), "a message over 102,400 bytes") },
    }),
    (c) => {
      const body = c.req.valid("json");
      const tooBig = oversizedMessage(body.messages ?? [], "messages");
      if (tooBig) return c.json({ error: tooBig }, 413);
      return c.json(conversations.upsert(userOf(c), body) as z.infer<typeof countedSchema>, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/messages/search",
      tags,
      summary: "Search your messages by words, best match first (a pure query: read scope)",
      middleware: scoped("read"),
      request: jsonBody(searchBody),
      responses: { 200: json(z.object({ messages: z.array(hitSchema) }), "matching messages"), ...errors(400, 401, 403) },
    }),
    (c) => c.json({ messages: conversations.search(userOf(c), c.req.valid("json")) as z.infer<typeof hitSchema>[] }, 200),
  );
}
