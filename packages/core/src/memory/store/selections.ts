import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/connection.js";
import { liveMemorySql } from "./live.js";

const LIVE = liveMemorySql("m");

/**
 * The Monday that starts the ISO week of a timestamp column, YYYY-MM-DD (UTC): six days back,
 * then forward to a Monday. The graph's timeline counts links and entities by the same weeks.
 */
export const isoWeekStartSql = (column: string) => `date(${column}, '-6 days', 'weekday 1')`;

/** Memories and new versions a tenant wrote in one ISO week. */
export interface WeeklyWrites {
  week: string;
  memories: number;
  versions: number;
}

/**
 * A tenant's live memories chosen by a field rather than by id: the standing ones, a
 * session's, some categories', the newest, and a memory's neighbours in its session. What
 * context assembly and the search's session channel start from. Every statement is scoped to
 * one tenant and returns ids.
 */
export class MemorySelections {
  private readonly staticOf: Statement;
  private readonly sessionOf: Statement;
  private readonly categoriesOf: Statement;
  private readonly recentOf: Statement;
  private readonly sessionNear: Statement;
  private readonly weekly: Statement;

  constructor(db: Db) {
    const sqlite = db.sqlite;
    const ids = (where: string, order: string) => sqlite.prepare(`SELECT m.id FROM memories m WHERE m.user_id = ? AND ${LIVE} ${where} ORDER BY ${order} LIMIT ?`).pluck();
    this.staticOf = ids("AND m.is_static = 1", "m.importance DESC, m.id DESC");
    this.sessionOf = ids("AND m.session_id = ?", "m.id DESC");
    this.categoriesOf = ids("AND m.category IN (SELECT value FROM json_each(?))", "m.importance DESC, m.id DESC");
    this.recentOf = ids("", "m.created_at DESC, m.id DESC");
    const near = `m.user_id = ? AND ${LIVE} AND m.session_id = ?`;
    this.sessionNear = sqlite.prepare(
      `SELECT (SELECT m.id FROM memories m WHERE ${near} AND m.id < ? ORDER BY m.id DESC LIMIT 1) AS prev,
              (SELECT m.id FROM memories m WHERE ${near} AND m.id > ? ORDER BY m.id ASC LIMIT 1) AS next`,
    );
    this.weekly = sqlite.prepare(
      `SELECT ${isoWeekStartSql("created_at")} AS week, sum(version = 1) AS memories, sum(version > 1) AS versions
         FROM memories WHERE user_id = ? GROUP BY 1`,
    );
  }

  /** Standing facts and rules, most important first. */
  staticIds(userId: number, limit: number): number[] {
    return this.staticOf.all(userId, limit) as number[];
  }

  /** A session's memories, newest first. */
  sessionIds(userId: number, sessionId: string, limit: number): number[] {
    return this.sessionOf.all(userId, sessionId, limit) as number[];
  }

  /** Memories of any of the categories, most important first. */
  categoryIds(userId: number, categories: readonly string[], limit: number): number[] {
    return this.categoriesOf.all(userId, JSON.stringify(categories), limit) as number[];
  }

  /** The newest memories. */
  recentIds(userId: number, limit: number): number[] {
    return this.recentOf.all(userId, limit) as number[];
  }

  /** The memories stored just before and just after `id` in its session. */
  sessionNeighbours(userId: number, sessionId: string, id: number): { prev: number | null; next: number | null } {
    return this.sessionNear.get(userId, sessionId, id, userId, sessionId, id) as { prev: number | null; next: number | null };
  }

  /** Memories and new versions written per ISO week (every status), in no particular order. */
  weeklyWrites(userId: number): WeeklyWrites[] {
    return this.weekly.all(userId) as WeeklyWrites[];
  }
}
