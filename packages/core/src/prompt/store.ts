import type { Statement } from "better-sqlite3";
import type { Db } from "../db/index.js";
import { liveMemorySql } from "../memory/index.js";

/** A memory as the header reads it. */
export interface WorkRow {
  id: number;
  model: string | null;
  source: string;
  category: string;
  content: string;
  createdAt: string;
}

/** A memory as packing reads it. */
export interface PackRow {
  id: number;
  content: string;
  category: string;
  decayScore: number;
}

/**
 * The prompt material's reads of the memories table. Every statement is scoped to one tenant and
 * reads live memories (latest, approved, not forgotten, archived or superseded) that were not
 * merged into a consolidation: their text lives on in the merged memory, which is read instead.
 */
const SHOWN = `m.user_id = ? AND ${liveMemorySql("m")} AND m.is_consolidated = 0`;
const PACK_COLUMNS = "m.id, m.content, m.category, m.decay_score AS decayScore";

export class PromptStore {
  private readonly newest: Statement;
  private readonly standing: Statement;
  private readonly strongest: Statement;

  constructor(db: Db) {
    const s = db.sqlite;
    this.newest = s.prepare(
      `SELECT m.id, m.model, m.source, m.category, m.content, m.created_at AS createdAt FROM memories m
        WHERE ${SHOWN} ORDER BY m.created_at DESC, m.id DESC LIMIT ?`,
    );
    this.standing = s.prepare(`SELECT ${PACK_COLUMNS} FROM memories m WHERE ${SHOWN} AND m.is_static = 1 ORDER BY m.importance DESC, m.id DESC LIMIT ?`);
    this.strongest = s.prepare(`SELECT ${PACK_COLUMNS} FROM memories m WHERE ${SHOWN} ORDER BY m.decay_score DESC, m.id DESC LIMIT ?`);
  }

  /** The newest memories, newest first. */
  newestWork(userId: number, limit: number): WorkRow[] {
    return this.newest.all(userId, limit) as WorkRow[];
  }

  /** Static memories, most important first. */
  staticMemories(userId: number, limit: number): PackRow[] {
    return this.standing.all(userId, limit) as PackRow[];
  }

  /** The memories with the highest decay score. */
  strongestMemories(userId: number, limit: number): PackRow[] {
    return this.strongest.all(userId, limit) as PackRow[];
  }
}
