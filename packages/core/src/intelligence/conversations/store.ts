import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/index.js";

export interface ConversationRow {
  id: number;
  userId: number;
  agent: string;
  sessionId: string | null;
  title: string | null;
  /** JSON text as stored; the service parses it. */
  metadata: string | null;
  startedAt: string;
  updatedAt: string;
}

export interface MessageRow {
  id: number;
  conversationId: number;
  role: string;
  content: string;
  metadata: string | null;
  createdAt: string;
}

export interface MessageHit extends MessageRow {
  agent: string;
  convTitle: string | null;
}

export interface NewMessage {
  role: string;
  content: string;
  metadata: string | null;
}

const CONV_COLS = `id, user_id AS userId, agent, session_id AS sessionId, title, metadata, started_at AS startedAt, updated_at AS updatedAt`;
const MSG_COLS = `m.id, m.conversation_id AS conversationId, m.role, m.content, m.metadata, m.created_at AS createdAt`;

/**
 * Every statement on conversations and messages. Each one is filtered by the user: another
 * tenant's conversation is never found, listed, appended to or matched by a search.
 */
export class ConversationStore {
  private readonly insertConv: Statement;
  private readonly byId: Statement;
  private readonly bySession: Statement;
  private readonly listAll: Statement;
  private readonly listAgent: Statement;
  private readonly setTitleMeta: Statement;
  private readonly touchConv: Statement;
  private readonly deleteConv: Statement;
  private readonly insertMsg: Statement;
  private readonly page: Statement;
  private readonly count: Statement;
  private readonly searchAll: Statement;

  constructor(private readonly db: Db) {
    const s = db.sqlite;
    this.insertConv = s.prepare(
      `INSERT INTO conversations (user_id, agent, session_id, title, metadata, started_at, updated_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${CONV_COLS}`,
    );
    this.byId = s.prepare(`SELECT ${CONV_COLS} FROM conversations WHERE id = ? AND user_id = ?`);
    this.bySession = s.prepare(`SELECT ${CONV_COLS} FROM conversations WHERE user_id = ? AND agent = ? AND session_id = ?`);
    const withCount = `SELECT ${CONV_COLS.split(", ").map((c) => `c.${c}`).join(", ")},
       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS messageCount FROM conversations c`;
    this.listAll = s.prepare(`${withCount} WHERE c.user_id = ? ORDER BY c.updated_at DESC, c.id DESC LIMIT ?`);
    this.listAgent = s.prepare(`${withCount} WHERE c.user_id = ? AND c.agent = ? ORDER BY c.updated_at DESC, c.id DESC LIMIT ?`);
    this.setTitleMeta = s.prepare(
      `UPDATE conversations SET title = coalesce(@title, title), metadata = CASE WHEN @setMeta THEN @metadata ELSE metadata END, updated_at = @now
       WHERE id = @id AND user_id = @userId`,
    );
    this.touchConv = s.prepare(`UPDATE conversations SET updated_at = ? WHERE id = ? AND user_id = ?`);
    this.deleteConv = s.prepare(`DELETE FROM conversations WHERE id = ? AND user_id = ?`);
    this.insertMsg = s.prepare(
      `INSERT INTO messages (user_id, conversation_id, role, content, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?)
       RETURNING id, conversation_id AS conversationId, role, content, metadata, created_at AS createdAt`,
    );
    this.page = s.prepare(`SELECT ${MSG_COLS} FROM messages m WHERE m.conversation_id = ? AND m.user_id = ? ORDER BY m.id LIMIT ? OFFSET ?`);
    this.count = s.prepare(`SELECT count(*) AS n FROM messages WHERE conversation_id = ? AND user_id = ?`);
    // bm25 ranks best first; the join filters by the user, so another tenant's rows never match.
    this.searchAll = s.prepare(
      `SELECT ${MSG_COLS}, c.agent, c.title AS convTitle
       FROM messages_fts f JOIN messages m ON m.id = f.rowid JOIN conversations c ON c.id = m.conversation_id
       WHERE messages_fts MATCH @match AND m.user_id = @userId
         AND (@conversationId IS NULL OR m.conversation_id = @conversationId)
         AND (@agent IS NULL OR c.agent = @agent)
       ORDER BY bm25(messages_fts), m.id DESC LIMIT @limit`,
    );
  }

  insert(userId: number, c: { agent: string; sessionId: string | null; title: string | null; metadata: string | null }, now: string): ConversationRow {
    return this.insertConv.get(userId, c.agent, c.sessionId, c.title, c.metadata, now, now, now) as ConversationRow;
  }

  find(userId: number, id: number): ConversationRow | undefined {
    return this.byId.get(id, userId) as ConversationRow | undefined;
  }

  findBySession(userId: number, agent: string, sessionId: string): ConversationRow | undefined {
    return this.bySession.get(userId, agent, sessionId) as ConversationRow | undefined;
  }

  list(userId: number, limit: number, agent: string | undefined): (ConversationRow & { messageCount: number })[] {
    return (agent === undefined ? this.listAll.all(userId, limit) : this.listAgent.all(userId, agent, limit)) as (ConversationRow & { messageCount: number })[];
  }

  /** `metadata` undefined keeps the stored value; null clears it. */
  update(userId: number, id: number, patch: { title: string | undefined; metadata: string | null | undefined }, now: string): void {
    this.setTitleMeta.run({ id, userId, now, title: patch.title ?? null, setMeta: patch.metadata === undefined ? 0 : 1, metadata: patch.metadata ?? null });
  }

  touch(userId: number, id: number, now: string): void {
    this.touchConv.run(now, id, userId);
  }

  delete(userId: number, id: number): boolean {
    return this.deleteConv.run(id, userId).changes > 0;
  }

  /** Appends in order, in one transaction with the conversation's `updated_at`. */
  append(userId: number, conversationId: number, msgs: readonly NewMessage[], now: string): MessageRow[] {
    return this.db.sqlite.transaction(() => {
      const rows = msgs.map((m) => this.insertMsg.get(userId, conversationId, m.role, m.content, m.metadata, now) as MessageRow);
      this.touch(userId, conversationId, now);
      return rows;
    })();
  }

  messages(userId: number, conversationId: number, limit: number, offset: number): MessageRow[] {
    return this.page.all(conversationId, userId, limit, offset) as MessageRow[];
  }

  messageCount(userId: number, conversationId: number): number {
    return (this.count.get(conversationId, userId) as { n: number }).n;
  }

  search(userId: number, match: string, f: { limit: number; conversationId: number | null; agent: string | null }): MessageHit[] {
    return this.searchAll.all({ match, userId, limit: f.limit, conversationId: f.conversationId, agent: f.agent }) as MessageHit[];
  }
}
