import { z } from "zod";

/** What extraction needs from one transcript line: who spoke, and the prose they wrote. */
export interface TranscriptMessage {
  role: "user" | "assistant";
  texts: string[];
  /** The session the line belongs to, when the line says. */
  sessionId?: string;
}

const block = z.looseObject({ type: z.string() });
const line = z.looseObject({
  type: z.string().optional(),
  sessionId: z.string().min(1).max(200).optional().catch(undefined),
  message: z.looseObject({
    role: z.enum(["user", "assistant"]),
    content: z.union([z.string(), z.array(block)]),
  }),
});

/**
 * One line of a Claude Code session transcript (JSONL): `{"type":"user"|"assistant","message":
 * {"role", "content": string | blocks}, "sessionId", "timestamp", ...}`. Only text is kept:
 * tool calls and tool results are the agent's mechanics, not things said. Summary, system and
 * other line types, and lines that are not JSON, yield null.
 */
export function parseTranscriptLine(text: string): TranscriptMessage | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = line.safeParse(json);
  if (!parsed.success) return null;
  const { role, content } = parsed.data.message;
  const texts =
    typeof content === "string"
      ? [content]
      : content.flatMap((b) => (b.type === "text" && typeof b.text === "string" ? [b.text] : []));
  if (!texts.length) return null;
  const sessionId = parsed.data.sessionId;
  return sessionId === undefined ? { role, texts } : { role, texts, sessionId };
}
