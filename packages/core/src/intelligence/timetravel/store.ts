import type { Db } from "../../db/index.js";

/** A memory as /timetravel shows it. */
export interface PastMemory {
  id: number;
  content: string;
  category: string;
  importance: number;
  createdAt: string;
}

/**
 * The user's memories as they stood at an instant: written by then, not forgotten by then
 * (a forget is the row's last update), approved, and of a version chain only the version that
 * was the latest then (its next version did not exist yet). `terms` keeps memories containing
 * any of them, most terms first.
 */
export function memoriesAt(db: Db, userId: number, at: string, terms: readonly string[], limit: number): PastMemory[] {
  const match = terms.map((_, i) => `(instr(lower(m.content), @t${i}) > 0)`);
  const params: Record<string, unknown> = { userId, at, limit };
  terms.forEach((t, i) => (params[`t${i}`] = t));
  return db.sqlite
    .prepare(
      `SELECT m.id, m.content, m.category, m.importance, m.created_at AS createdAt FROM memories m
        WHERE m.user_id = @userId AND m.created_at <= @at AND m.review_status = 'approved'
          AND NOT (m.is_forgotten = 1 AND m.updated_at <= @at)
          AND NOT EXISTS (SELECT 1 FROM memories n WHERE n.user_id = m.user_id AND n.parent_memory_id = m.id AND n.version = m.version + 1 AND n.created_at <= @at)
          ${match.length > 0 ? `AND (${match.join(" OR ")})` : ""}
        ORDER BY ${match.length > 0 ? `(${match.join(" + ")}) DESC, ` : ""}m.created_at DESC, m.id DESC LIMIT @limit`,
    )
    .all(params) as PastMemory[];
}
