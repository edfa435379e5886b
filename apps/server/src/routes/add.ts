import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { importanceSchema, tagsSchema, typeError } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, jsonBody, scoped } from "./define.js";
import { messageContent, metadataInput, oversizedMessage } from "./chat-shapes.js";

const addMessage = z.object({
  role: z.enum(["user", "assistant", "system", "tool"], { error: "must be user, assistant, system or tool" }),
  content: messageContent,
});
const messageList = z.array(addMessage).min(1, "must hold at least one message").max(500, "must hold at most 500 messages");
/** An array of messages, or one string taken as one user message (mem0's shorthand). */
const messages = z
  .unknown()
  .transform((v, ctx) => {
    if (typeof v === "string") {
      if (v.trim() === "") {
        ctx.addIssue({ code: "custom", message: "must not be empty", input: v });
        return z.NEVER;
      }
      return [{ role: "user" as const, content: v }];
    }
    if (v === undefined) {
      ctx.addIssue({ code: "custom", message: "is required", input: v });
      return z.NEVER;
    }
    const r = messageList.safeParse(v);
    if (r.success) return r.data;
    for (const issue of r.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path, input: issue.input });
    return z.NEVER;
  })
  .describe("an array of 1..500 {role, content} messages, or one string taken as one user message");

const addBody = z.object({
  messages,
  session_id: z.string({ error: typeError("a string") }).min(1).max(200).optional(),
  agent: z.string({ error: typeError("a string") }).trim().min(1, "must not be empty").max(100).optional(),
  category: z.string({ error: typeError("a string") }).trim().min(1, "must not be empty").max(200).optional(),
  importance: importanceSchema.optional(),
  tags: tagsSchema.optional(),
  space_id: z.number({ error: typeError("a number") }).int().positive().optional(),
  episode_id: z.number({ error: typeError("a number") }).int().positive().optional(),
  include_assistant: z.boolean({ error: typeError("a boolean") }).default(false),
  review_status: z.enum(["approved", "pending"], { error: "must be approved or pending" }).optional(),
  /** The reference's name for review_status on write routes (contract §5.9). */
  status: z.enum(["approved", "pending"], { error: "must be approved or pending" }).optional(),
  metadata: metadataInput.optional(),
});

const addResultSchema = z
  .object({
    results: z.array(z.object({ id: z.number().int(), memory: z.string(), event: z.enum(["ADD", "NONE"]) })).describe("NONE: a near-duplicate existed; id is the existing memory's"),
    stored: z.number().int(),
    skipped: z.number().int(),
    conversation_id: z.number().int(),
    method: z.enum(["rules", "llm"]),
  })
  .meta({ id: "AddResult" });

export function registerAddRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/add",
      tags: ["intelligence"],
      summary: "Extract memories from chat turns (mem0-compatible); the exchange is saved as a conversation",
      middleware: scoped("write"),
      request: jsonBody(addBody),
      responses: {
        200: json(addResultSchema, "what was stored, what already existed, and the conversation"),
        ...errors(400, 401, 403, 404),
        413: json(z.object({ error: z.string() }), "a message over 102,400 bytes"),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const tooBig = oversizedMessage(body.messages, "messages");
      if (tooBig) return c.json({ error: tooBig }, 413);
      const principal = c.get("principal");
      // Pending when asked for, when the key requires review, or under ENGRAM_REVIEW_REQUIRED.
      const result = await deps.engram.add.add(principal.user.id, { ...body, review_status: deps.engram.inbox.statusFor(principal, body) });
      c.set("auditTargets", result.results.map((r) => r.id));
      return c.json(result, 200);
    },
  );
}
