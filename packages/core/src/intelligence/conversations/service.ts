import { isoNow, type CoreContext } from "../../context.js";
import { invalid, notFound } from "../../errors.js";
import { buildFtsQuery } from "../../text/index.js";
import { ConversationStore, type ConversationRow, type MessageHit, type MessageRow } from "./store.js";

export interface Conversation {
  id: number;
  agent: string;
  session_id: string | null;
  title: string | null;
  metadata: unknown;
  user_id: number;
  started_at: string;
  updated_at: string;
}

export interface Message {
  id: number;
  conversation_id: number;
  role: string;
  content: string;
  metadata: unknown;
  created_at: string;
}

export interface MessageInput {
  role: string;
  content: string;
  metadata?: unknown;
}

export interface ConversationInput {
  agent: string;
  session_id?: string | null | undefined;
  title?: string | null | undefined;
  metadata?: unknown;
}

/** Metadata travels as the JSON value that was sent and is stored as its text. */
const toText = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const fromText = (t: string | null): unknown => (t === null ? null : JSON.parse(t));

const conversationDto = (r: ConversationRow): Conversation => ({
  id: r.id,
  agent: r.agent,
  session_id: r.sessionId,
  title: r.title,
  metadata: fromText(r.metadata),
  user_id: r.userId,
  started_at: r.startedAt,
  updated_at: r.updatedAt,
});

const messageDto = (r: MessageRow): Message => ({
  id: r.id,
  conversation_id: r.conversationId,
  role: r.role,
  content: r.content,
  metadata: fromText(r.metadata),
  created_at: r.createdAt,
});

/** Raw chat logs per tenant (contracts/intelligence.md §5.6); they never become memories by themselves. */
export class ConversationService {
  private readonly rows: ConversationStore;

  constructor(private readonly ctx: CoreContext) {
    this.rows = new ConversationStore(ctx.db);
  }

  private own(userId: number, id: number): ConversationRow {
    const row = this.rows.find(userId, id);
    if (!row) throw notFound("conversation");
    return row;
  }

  create(userId: number, input: ConversationInput): Conversation {
    const row = this.rows.insert(
      userId,
      { agent: input.agent, sessionId: input.session_id ?? null, title: input.title ?? null, metadata: toText(input.metadata) },
      isoNow(this.ctx),
    );
    return conversationDto(row);
  }

  list(userId: number, limit: number, agent?: string): (Conversation & { message_count: number })[] {
    return this.rows.list(userId, limit, agent).map((r) => ({ ...conversationDto(r), message_count: r.messageCount }));
  }

  get(userId: number, id: number, limit: number, offset: number): Conversation & { messages: Message[] } {
    const row = this.own(userId, id);
    return { ...conversationDto(row), messages: this.rows.messages(userId, id, limit, offset).map(messageDto) };
  }

  messages(userId: number, id: number, limit: number, offset: number): Message[] {
    this.own(userId, id);
    return this.rows.messages(userId, id, limit, offset).map(messageDto);
  }

  update(userId: number, id: number, patch: { title?: string | undefined; metadata?: unknown }): Conversation {
    this.own(userId, id);
    this.rows.update(userId, id, { title: patch.title, metadata: patch.metadata === undefined ? undefined : toText(patch.metadata) }, isoNow(this.ctx));
    return conversationDto(this.own(userId, id));
  }

  delete(userId: number, id: number): void {
    if (!this.rows.delete(userId, id)) throw notFound("conversation");
  }

  append(userId: number, id: number, msgs: readonly MessageInput[]): Message[] {
    this.own(userId, id);
    return this.appendOwn(userId, id, msgs);
  }

  private appendOwn(userId: number, id: number, msgs: readonly MessageInput[]): Message[] {
    const rows = this.rows.append(userId, id, msgs.map((m) => ({ role: m.role, content: m.content, metadata: toText(m.metadata) })), isoNow(this.ctx));
    return rows.map(messageDto);
  }

  /** A new conversation with its messages, in one transaction. */
  bulk(userId: number, input: ConversationInput & { messages: readonly MessageInput[] }): Conversation & { message_count: number } {
    return this.ctx.db.sqlite.transaction(() => {
      const conv = this.create(userId, input);
      if (input.messages.length > 0) this.appendOwn(userId, conv.id, input.messages);
      return { ...conversationDto(this.own(userId, conv.id)), message_count: this.rows.messageCount(userId, conv.id) };
    })();
  }

  /** The conversation of (agent, session_id), created when missing; messages are appended; title and metadata updated when given. */
  upsert(userId: number, input: ConversationInput & { session_id: string; messages?: readonly MessageInput[] | undefined }): Conversation & { message_count: number } {
    return this.ctx.db.sqlite.transaction(() => {
      const found = this.rows.findBySession(userId, input.agent, input.session_id);
      const id = found ? found.id : this.create(userId, input).id;
      if (found && (input.title != null || input.metadata !== undefined)) this.update(userId, id, { title: input.title ?? undefined, metadata: input.metadata });
      if (input.messages && input.messages.length > 0) this.appendOwn(userId, id, input.messages);
      return { ...conversationDto(this.own(userId, id)), message_count: this.rows.messageCount(userId, id) };
    })();
  }

  /** Full-text search over the user's messages; the query is words only, never FTS5 syntax. */
  search(userId: number, q: { query: string; limit: number; conversation_id?: number | undefined; agent?: string | undefined }) {
    const match = buildFtsQuery(q.query);
    if (match === null) throw invalid("query", "must contain at least one word");
    const hits: MessageHit[] = this.rows.search(userId, match, { limit: q.limit, conversationId: q.conversation_id ?? null, agent: q.agent ?? null });
    return hits.map((h) => ({ ...messageDto(h), agent: h.agent, conv_title: h.convTitle }));
  }
}
