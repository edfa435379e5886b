import { z } from "zod";
import { ParseInputError, type IngestDocument, type ParseOutcome } from "./documents.js";

/**
 * Chat exports: one document per conversation, its turns as `User: …` / `Assistant: …` lines,
 * titled by the conversation and dated by its creation time. A conversation that does not
 * have the export's shape is skipped and named in `errors`; an input that is not an export at
 * all is a ParseInputError.
 */

const speaker = (role: string) => (role === "user" || role === "human" ? "User" : role === "assistant" ? "Assistant" : null);

/** Text of a message's content: a string, or an array of strings and `{type: "text", text}` parts. */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((p: unknown) => (typeof p === "string" ? p : p && typeof p === "object" && typeof (p as { text?: unknown }).text === "string" ? (p as { text: string }).text : ""))
    .filter(Boolean)
    .join("\n");
}

const turnsText = (turns: { role: string; text: string }[]) =>
  turns
    .map((t) => ({ who: speaker(t.role), text: t.text.trim() }))
    .filter((t) => t.who !== null && t.text !== "")
    .map((t) => `${t.who}: ${t.text}`)
    .join("\n\n");

const isoOrNull = (v: string | number | null | undefined): string | null => {
  if (v == null) return null;
  const ms = typeof v === "number" ? v * 1000 : Date.parse(v);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
};

function exportArray(value: unknown, what: string, shape: string): unknown[] {
  if (!Array.isArray(value)) throw new ParseInputError(`not a ${what}: expected an array of conversations ${shape}`);
  return value;
}

const chatgptNode = z.object({
  parent: z.string().nullish(),
  children: z.array(z.string()).nullish(),
  message: z
    .object({
      author: z.object({ role: z.string() }),
      content: z.object({ parts: z.array(z.unknown()).nullish(), text: z.string().nullish() }).nullish(),
    })
    .nullish(),
});
const chatgptConversation = z.object({
  title: z.string().nullish(),
  create_time: z.number().nullish(),
  current_node: z.string().nullish(),
  mapping: z.record(z.string(), chatgptNode),
});

/**
 * ChatGPT's `mapping` is a tree (edits and regenerations branch it). Walked from the root; at a
 * branch, the child on the way to `current_node` (the branch the user last saw), else the last.
 */
function chatgptTurns(c: z.output<typeof chatgptConversation>): { role: string; text: string }[] {
  const { mapping } = c;
  const onPath = new Set<string>();
  for (let id = c.current_node ?? undefined; id && mapping[id] && !onPath.has(id); id = mapping[id]!.parent ?? undefined) onPath.add(id);
  const root = Object.keys(mapping).find((id) => {
    const parent = mapping[id]!.parent;
    return parent == null || !(parent in mapping);
  });
  const turns: { role: string; text: string }[] = [];
  const seen = new Set<string>();
  for (let id = root; id !== undefined && !seen.has(id); ) {
    seen.add(id);
    const node = mapping[id]!;
    const m = node.message;
    if (m && m.author.role !== "system") turns.push({ role: m.author.role, text: contentText(m.content?.parts ?? m.content?.text ?? "") });
    const children = (node.children ?? []).filter((k) => k in mapping);
    id = children.find((k) => onPath.has(k)) ?? children[children.length - 1];
  }
  return turns;
}

export function parseChatgptExport(value: unknown): ParseOutcome {
  const out: ParseOutcome = { documents: [], errors: [] };
  exportArray(value, "ChatGPT export", "with title and mapping").forEach((item, i) => {
    const c = chatgptConversation.safeParse(item);
    if (!c.success) {
      out.errors.push(`conversation ${i}: not a ChatGPT conversation (${c.error.issues[0]?.path.join(".") || "item"}: ${c.error.issues[0]?.message})`);
      return;
    }
    const text = turnsText(chatgptTurns(c.data));
    if (!text) return void out.errors.push(`conversation ${i}: no messages`);
    out.documents.push({ title: c.data.title?.trim() || `Conversation ${i + 1}`, text, createdAt: isoOrNull(c.data.create_time) });
  });
  if (out.documents.length === 0 && out.errors.length > 0 && !out.errors.some((e) => e.endsWith("no messages"))) {
    throw new ParseInputError(`not a ChatGPT export: ${out.errors[0]}`);
  }
  return out;
}

const claudeConversation = z.object({
  uuid: z.string(),
  name: z.string().nullish(),
  created_at: z.string().nullish(),
  chat_messages: z.array(z.object({ sender: z.string(), text: z.string().nullish(), content: z.unknown().optional() })),
});

export function parseClaudeExport(value: unknown): ParseOutcome {
  const out: ParseOutcome = { documents: [], errors: [] };
  exportArray(value, "Claude export", "with uuid and chat_messages").forEach((item, i) => {
    const c = claudeConversation.safeParse(item);
    if (!c.success) {
      out.errors.push(`conversation ${i}: not a Claude conversation (${c.error.issues[0]?.path.join(".") || "item"}: ${c.error.issues[0]?.message})`);
      return;
    }
    const text = turnsText(c.data.chat_messages.map((m) => ({ role: m.sender, text: m.text || contentText(m.content) })));
    if (!text) return void out.errors.push(`conversation ${i}: no messages`);
    out.documents.push({ title: c.data.name?.trim() || `Conversation ${i + 1}`, text, createdAt: isoOrNull(c.data.created_at) });
  });
  if (out.documents.length === 0 && out.errors.length > 0 && !out.errors.some((e) => e.endsWith("no messages"))) {
    throw new ParseInputError(`not a Claude export: ${out.errors[0]}`);
  }
  return out;
}

const message = z.object({ role: z.string(), content: z.unknown() });

/** `[{role, content}]` or `{title?, messages: [...]}`: one conversation, one document. */
export function parseMessages(value: unknown, fallbackTitle: string): ParseOutcome {
  const obj = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as { messages?: unknown; title?: unknown }) : undefined;
  const list = z.array(message).safeParse(obj ? obj.messages : value);
  if (!list.success) throw new ParseInputError("not a messages list: expected an array of {role, content} or {messages: [...]}");
  const text = turnsText(list.data.map((m) => ({ role: m.role, text: contentText(m.content) })));
  const title = typeof obj?.title === "string" && obj.title.trim() ? obj.title.trim() : fallbackTitle;
  return { documents: text ? [{ title, text, createdAt: null }] : [], errors: text ? [] : ["no user or assistant messages"] };
}

/**
 * JSON Lines: chat turns (`{role, content}` per line) become one conversation; other records
 * become paragraphs of their `content` or `text`, else of the record itself. A line that is not
 * JSON is skipped and named; a file with no JSON line at all is not JSONL.
 */
export function parseJsonl(text: string, title: string): ParseOutcome {
  const records: unknown[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    try {
      records.push(JSON.parse(line));
    } catch {
      errors.push(`line ${i + 1}: not JSON`);
    }
  });
  if (records.length === 0) throw new ParseInputError("not JSON Lines: no line holds JSON");
  if (records.every((r) => message.safeParse(r).success)) {
    const parsed = parseMessages(records, title);
    return { documents: parsed.documents, errors: [...errors, ...parsed.errors] };
  }
  const paragraphs = records.map((r) => {
    if (r !== null && typeof r === "object") {
      const o = r as { content?: unknown; text?: unknown };
      if (typeof o.content === "string") return o.content;
      if (typeof o.text === "string") return o.text;
    }
    return typeof r === "string" ? r : JSON.stringify(r);
  });
  const body = paragraphs.map((p) => p.trim()).filter(Boolean).join("\n\n");
  return { documents: body ? [{ title, text: body, createdAt: null } satisfies IngestDocument] : [], errors };
}
