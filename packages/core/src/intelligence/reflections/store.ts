import type { Statement } from "better-sqlite3";
import type { Db, ReflectionRow } from "../../db/index.js";
import { reflections } from "../../db/schema.js";
import { liveMemorySql } from "../../memory/index.js";

export interface NewReflection {
  userId: number;
  content: string;
  reflectionType: string;
  themes: string[];
  periodStart: string | null;
  periodEnd: string | null;
  sourceMemoryIds: number[];
  confidence: number;
  createdAt: string;
}

/** The actions /reflections/generate proposes; a reflection of one of these types cites the memory it is about. */
export const CANDIDATE_ACTIONS = ["enrich", "reconsolidate", "archive"] as const;
export type CandidateAction = (typeof CANDIDATE_ACTIONS)[number];

/** Memories a period reflection looks at, at most (contracts/intelligence.md §5.4). */
export const MAX_PERIOD_MEMORIES = 200;

/**
 * Every statement of reflections and of the memory reads they are made from. Per tenant; the
 * memories read are live ones (latest, approved, not superseded, forgotten or archived).
 */
export class ReflectionStore {
  private readonly s: Record<"list" | "listTyped" | "period" | "candidates" | "growth", Statement>;

  constructor(private readonly db: Db) {
    const p = (text: string) => db.sqlite.prepare(text);
    const live = liveMemorySql("m");
    const cols = `id, user_id AS userId, content, reflection_type AS reflectionType, themes, period_start AS periodStart, period_end AS periodEnd,
                  source_memory_ids AS sourceMemoryIds, confidence, created_at AS createdAt`;
    this.s = {
      list: p(`SELECT ${cols} FROM reflections WHERE user_id = ? ORDER BY id DESC LIMIT ?`),
      listTyped: p(`SELECT ${cols} FROM reflections WHERE user_id = ? AND reflection_type = ? ORDER BY id DESC LIMIT ?`),
      period: p(`SELECT m.id FROM memories m WHERE m.user_id = ? AND ${live} AND m.created_at >= ? AND m.created_at <= ? ORDER BY m.importance DESC, m.id DESC LIMIT ?`),
      // Never recalled: no recall hit and never returned by a recall or search touch. A memory a
      // generated reflection already cites is left out, so repeated calls do not pile up.
      candidates: p(
        `SELECT m.id FROM memories m
          WHERE m.user_id = ? AND ${live} AND m.recall_hits = 0 AND m.access_count = 0 AND m.created_at <= ? AND m.importance >= ?
            AND NOT EXISTS (SELECT 1 FROM reflections r, json_each(r.source_memory_ids) j
                             WHERE r.user_id = m.user_id AND r.reflection_type IN (${CANDIDATE_ACTIONS.map((a) => `'${a}'`).join(",")}) AND j.value = m.id)
          ORDER BY m.importance DESC, m.created_at ASC, m.id ASC LIMIT ?`,
      ),
      growth: p(`SELECT m.id FROM memories m WHERE m.user_id = ? AND ${live} AND m.category = 'growth' ORDER BY m.created_at DESC, m.id DESC LIMIT ?`),
    };
  }

  insert(r: NewReflection): ReflectionRow {
    return this.db.orm.insert(reflections).values(r).returning().get();
  }

  /** Newest first, of one type or all. */
  list(userId: number, limit: number, type?: string): ReflectionRow[] {
    const rows = (type === undefined ? this.s.list.all(userId, limit) : this.s.listTyped.all(userId, type, limit)) as (Omit<ReflectionRow, "themes" | "sourceMemoryIds"> & {
      themes: string;
      sourceMemoryIds: string;
    })[];
    return rows.map((r) => ({ ...r, themes: JSON.parse(r.themes) as string[], sourceMemoryIds: JSON.parse(r.sourceMemoryIds) as number[] }));
  }

  /** Ids of the live memories created in [start, end], most important first. */
  inPeriod(userId: number, start: string, end: string): number[] {
    return this.s.period.pluck().all(userId, start, end, MAX_PERIOD_MEMORIES) as number[];
  }

  /** Ids of the live, never recalled memories created at or before `olderThan`, of at least `minImportance`, most important first. */
  candidates(userId: number, olderThan: string, minImportance: number, limit: number): number[] {
    return this.s.candidates.pluck().all(userId, olderThan, minImportance, limit) as number[];
  }

  /** Ids of the live growth observations, newest first. */
  growth(userId: number, limit: number): number[] {
    return this.s.growth.pluck().all(userId, limit) as number[];
  }
}
