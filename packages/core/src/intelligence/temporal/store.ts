import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/index.js";
import { liveMemorySql } from "../../memory/index.js";

export interface WindowMemory {
  id: number;
  content: string;
  category: string;
  importance: number;
  tags: string[];
  createdAt: string;
}

export interface NewTemporalPattern {
  label: string;
  detail: string;
  pattern_type: string;
  day_of_week: number;
  hour: number;
  category: string | null;
  memory_ids: number[];
  confidence: number;
}

export type TemporalPatternRow = NewTemporalPattern & { id: number; created_at: string };

interface RawPattern extends Omit<TemporalPatternRow, "memory_ids"> {
  memory_ids: string;
}

const parse = (r: RawPattern): TemporalPatternRow => ({ ...r, memory_ids: JSON.parse(r.memory_ids) as number[] });

/** temporal_patterns (migration 18) and the reads of memories that detection and prediction need. */
export class TemporalStore {
  private readonly windowStmt: Statement;
  private readonly deleteAll: Statement;
  private readonly insert: Statement;
  private readonly list: Statement;
  private readonly at: Statement;

  constructor(private readonly db: Db) {
    const sqlite = db.sqlite;
    this.windowStmt = sqlite.prepare(
      `SELECT m.id, m.content, m.category, m.importance, m.tags, m.created_at AS createdAt FROM memories m
        WHERE m.user_id = ? AND ${liveMemorySql("m")} AND m.created_at >= ? ORDER BY m.id DESC LIMIT ?`,
    );
    const columns = "id, label, detail, pattern_type, day_of_week, hour, category, memory_ids, confidence, created_at";
    this.deleteAll = sqlite.prepare("DELETE FROM temporal_patterns WHERE user_id = ?");
    this.insert = sqlite.prepare(
      `INSERT INTO temporal_patterns (user_id, label, detail, pattern_type, day_of_week, hour, category, memory_ids, confidence, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${columns}`,
    );
    this.list = sqlite.prepare(`SELECT ${columns} FROM temporal_patterns WHERE user_id = ? ORDER BY confidence DESC, id LIMIT ?`);
    this.at = sqlite.prepare(`SELECT ${columns} FROM temporal_patterns WHERE user_id = ? AND day_of_week = ? AND hour = ? ORDER BY confidence DESC, id`);
  }

  /** The user's newest live memories created at or after `since`, at most `cap`, newest first. */
  window(userId: number, since: string, cap: number): WindowMemory[] {
    return (this.windowStmt.all(userId, since, cap) as (Omit<WindowMemory, "tags"> & { tags: string })[]).map((m) => ({ ...m, tags: JSON.parse(m.tags) as string[] }));
  }

  /** Replaces the user's patterns with these, in one transaction. */
  replace(userId: number, patterns: readonly NewTemporalPattern[], now: string): TemporalPatternRow[] {
    return this.db.sqlite.transaction(() => {
      this.deleteAll.run(userId);
      return patterns.map((p) => {
        return parse(this.insert.get(userId, p.label, p.detail, p.pattern_type, p.day_of_week, p.hour, p.category, JSON.stringify(p.memory_ids), p.confidence, now) as RawPattern);
      });
    })();
  }

  patterns(userId: number, limit: number): TemporalPatternRow[] {
    return (this.list.all(userId, limit) as RawPattern[]).map(parse);
  }

  patternsAt(userId: number, dayOfWeek: number, hour: number): TemporalPatternRow[] {
    return (this.at.all(userId, dayOfWeek, hour) as RawPattern[]).map(parse);
  }
}
