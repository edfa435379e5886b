import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/index.js";
import { liveMemorySql } from "../../memory/index.js";

/** Memories long enough to split (contracts/intelligence.md §5.2). */
export const MIN_DECOMPOSE_CHARS = 50;

/**
 * Decomposition's statements: a parent's children are the targets of its `has_fact` links (not
 * `parent_memory_id`, which names a memory's previous version); the flags it sets on memories.
 */
export class DecomposeStore {
  private readonly childrenOf: Statement;
  private readonly link: Statement;
  private readonly markDecomposed: Statement;
  private readonly markFact: Statement;
  private readonly candidates: Statement;
  private readonly candidateCount: Statement;

  constructor(db: Db) {
    const s = db.sqlite;
    this.childrenOf = s
      .prepare(
        `SELECT l.target_id FROM memory_links l JOIN memories m ON m.id = l.target_id
          WHERE l.source_id = ? AND l.user_id = ? AND l.type = 'has_fact' AND m.user_id = l.user_id ORDER BY l.target_id`,
      )
      .pluck();
    this.link = s.prepare(
      `INSERT OR IGNORE INTO memory_links (user_id, source_id, target_id, type, similarity, created_at) VALUES (?, ?, ?, 'has_fact', 1, ?)`,
    );
    this.markDecomposed = s.prepare(`UPDATE memories SET is_decomposed = 1 WHERE id = ? AND user_id = ?`);
    this.markFact = s.prepare(`UPDATE memories SET is_fact = 1, episode_id = ? WHERE id = ? AND user_id = ?`);
    const qualifying = `m.user_id = ? AND ${liveMemorySql("m")} AND m.is_decomposed = 0 AND m.is_fact = 0 AND length(m.content) >= ${MIN_DECOMPOSE_CHARS}`;
    this.candidates = s.prepare(`SELECT m.id FROM memories m WHERE ${qualifying} ORDER BY m.id LIMIT ?`).pluck();
    this.candidateCount = s.prepare(`SELECT count(*) FROM (SELECT 1 FROM memories m WHERE ${qualifying} LIMIT ?)`).pluck();
  }

  children(userId: number, parentId: number): number[] {
    return this.childrenOf.all(parentId, userId) as number[];
  }

  /** Marks the child a fact of the parent: the flag, the parent's episode, the `has_fact` link. */
  adopt(userId: number, parentId: number, childId: number, episodeId: number | null, now: string): void {
    this.markFact.run(episodeId, childId, userId);
    this.link.run(userId, parentId, childId, now);
  }

  decomposed(userId: number, id: number): void {
    this.markDecomposed.run(id, userId);
  }

  /** Live memories a sweep would split, oldest first. */
  sweepCandidates(userId: number, limit: number): number[] {
    return this.candidates.all(userId, limit) as number[];
  }

  /** How many qualify, counted up to `cap`. */
  countCandidates(userId: number, cap: number): number {
    return this.candidateCount.get(userId, cap) as number;
  }
}
