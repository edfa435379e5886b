import { z } from "zod";
import { keepValid, type LlmClient } from "../../llm/index.js";
import type { AddMessage, AddPicker, Picked } from "./service.js";

/** Past this the transcript is not sent (the hot path stays bounded); the rules read it instead. */
const MAX_TRANSCRIPT_CHARS = 24_000;

const SYSTEM = `You pick what is worth remembering long-term from a conversation with a user.
Return JSON {"memories":[{"content":string,"category":string,"importance":1-10}]}.
Each memory is one self-contained statement in the user's words (first person kept), keeping every
name, number, date, path and version. Skip questions, greetings, thanks, small talk and anything the
assistant merely suggested. At most 50 memories. If nothing is worth remembering, return {"memories":[]}.`;

const item = z.object({
  content: z.string().trim().min(1).max(2000),
  category: z.string().trim().min(1).max(50).optional(),
  importance: z.number().int().min(1).max(10).optional(),
});
const answer = z.object({
  memories: z
    .array(z.unknown())
    .transform((a) => keepValid(item, a, 50))
    .refine((a) => a.length > 0, "no memory"),
});

/** The LLM path of POST /add; null (rules) when unconfigured, failing, or the transcript is too long. */
export function llmAddPicker(llm: LlmClient): AddPicker {
  return async (messages: readonly AddMessage[]): Promise<Picked[] | null> => {
    if (!llm.configured) return null;
    const transcript = messages.map((m) => `${m.role === "user" ? "User" : "Assistant"}: ${m.content}`).join("\n");
    if (transcript.length > MAX_TRANSCRIPT_CHARS) return null;
    const r = await llm.complete({ feature: "add", system: SYSTEM, input: transcript, schema: answer, temperature: 0.1 });
    if (!r.ok) return null;
    return r.value.memories.map((m) => ({ content: m.content, category: m.category ?? "fact", importance: m.importance }));
  };
}
