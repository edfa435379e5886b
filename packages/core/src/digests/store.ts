import type { Statement } from "better-sqlite3";
import type { Db } from "../db/index.js";
import { latestMemorySql } from "../memory/index.js";

export interface DigestRow {
  id: number;
  userId: number;
  period: string;
  content: string;
  memoryCount: number;
  startedAt: string;
  endedAt: string;
  createdAt: string;
}

/** A memory as a digest line shows it. */
export interface DigestLine {
  category: string;
  importance: number;
  content: string;
}

const COLUMNS = "id, user_id AS userId, period, content, memory_count AS memoryCount, started_at AS startedAt, ended_at AS endedAt, created_at AS createdAt";
/**
 * The tenant's memories created in (from, to] that are not forgotten (archived ones count: the
 * contract says non-forgotten), latest versions only, approved and not superseded: a pending
 * memory has not been accepted yet, and a superseded one lives on in the one that replaced it.
 */
const IN_WINDOW = `m.user_id = ? AND ${latestMemorySql("m", { archived: true })} AND m.review_status = 'approved' AND m.is_superseded = 0
  AND m.created_at > ? AND m.created_at <= ?`;

/** Digests and the memory reads that make them; every statement is scoped to one tenant. */
export class DigestStore {
  private readonly insertStmt: Statement;
  private readonly byIdStmt: Statement;
  private readonly listStmt: Statement;
  private readonly countStmt: Statement;
  private readonly linesStmt: Statement;

  constructor(db: Db) {
    const s = db.sqlite;
    this.insertStmt = s.prepare(
      "INSERT INTO digests (user_id, period, content, memory_count, started_at, ended_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.byIdStmt = s.prepare(`SELECT ${COLUMNS} FROM digests WHERE id = ?`);
    this.listStmt = s.prepare(`SELECT ${COLUMNS} FROM digests WHERE user_id = ? ORDER BY id DESC LIMIT ?`);
    this.countStmt = s.prepare(`SELECT count(*) AS n FROM memories m WHERE ${IN_WINDOW}`);
    this.linesStmt = s.prepare(
      `SELECT m.category, m.importance, substr(m.content, 1, ?) AS content FROM memories m
        WHERE ${IN_WINDOW} ORDER BY m.importance DESC, m.created_at DESC, m.id DESC LIMIT ?`,
    );
  }

  insert(row: Omit<DigestRow, "id">): DigestRow {
    const r = this.insertStmt.run(row.userId, row.period, row.content, row.memoryCount, row.startedAt, row.endedAt, row.createdAt);
    return this.byIdStmt.get(r.lastInsertRowid) as DigestRow;
  }

  /** The tenant's digests, newest first. */
  list(userId: number, limit: number): DigestRow[] {
    return this.listStmt.all(userId, limit) as DigestRow[];
  }

  /** How many of the tenant's memories in the window (from, to]. */
  countInWindow(userId: number, from: string, to: string): number {
    return (this.countStmt.get(userId, from, to) as { n: number }).n;
  }

  /** The most important of them first, each cut to `chars` characters. */
  linesInWindow(userId: number, from: string, to: string, chars: number, limit: number): DigestLine[] {
    return this.linesStmt.all(chars, userId, from, to, limit) as DigestLine[];
  }
}
