import { z } from "zod";
import { MAX_CONTENT_BYTES, typeError } from "@engram/core";
import { timestamp } from "./define.js";

/**
 * Shapes shared by /conversations, /messages/search and /add. Message content is checked for
 * size in the handler, not here, because an oversized message answers 413, not 400.
 */
const MAX_METADATA_BYTES = 16 * 1024;

export const metadataInput = z
  .unknown()
  .refine((v) => v === undefined || Buffer.byteLength(JSON.stringify(v) ?? "", "utf8") <= MAX_METADATA_BYTES, {
    message: `must be at most ${MAX_METADATA_BYTES} bytes serialized`,
  });

export const messageContent = z.string({ error: typeError("a string") }).min(1, "must not be empty");

export const messageInput = z.object({
  role: z.string({ error: typeError("a string") }).min(1, "must not be empty").max(32),
  content: messageContent,
  metadata: metadataInput.optional(),
});

/** The path of the first message whose content is over the limit, for a 413 that names it. */
export function oversizedMessage(msgs: readonly { content: string }[], path: string | null): string | null {
  const i = msgs.findIndex((m) => Buffer.byteLength(m.content, "utf8") > MAX_CONTENT_BYTES);
  if (i < 0) return null;
  return `${path === null ? "" : `${path}.${i}.`}content: must be at most ${MAX_CONTENT_BYTES} bytes`;
}

export const conversationSchema = z
  .object({
    id: z.number().int(),
    agent: z.string(),
    session_id: z.string().nullable(),
    title: z.string().nullable(),
    metadata: z.unknown().describe("the JSON value that was sent, or null"),
    user_id: z.number().int(),
    started_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: "Conversation" });

export const messageSchema = z
  .object({
    id: z.number().int(),
    conversation_id: z.number().int(),
    role: z.string(),
    content: z.string(),
    metadata: z.unknown(),
    created_at: timestamp,
  })
  .meta({ id: "Message" });
