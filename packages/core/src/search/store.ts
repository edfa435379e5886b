import type { Statement } from "better-sqlite3";
import type { Db } from "../db/connection.js";
import type { MemoryHead } from "../memory/index.js";
import { liveMemorySql, presentMemorySql } from "../memory/index.js";

export interface SearchFilters {
  category?: string | undefined;
  source?: string | undefined;
  tags?: string[] | undefined;
  spaceId?: number | undefined;
  includeForgotten?: boolean | undefined;
  latestOnly?: boolean | undefined;
}

export interface LexicalHit {
  id: number;
  /** bm25 relevance, higher is better (SQLite's bm25() negated). */
  bm25: number;
}

/**
 * Every statement on memories_fts, the FTS5 index over the memories' text (kept in step with
 * memories by triggers): BM25 search, the personality channel's, and phrase lookups. Each
 * takes an FTS5 MATCH expression (text/fts-query.ts builds them from words only), and the
 * join on memories scopes every hit to the tenant.
 */
export class LexicalStore {
  /** Search statements by shape: one per combination of filters, prepared the first time it is used. */
  private readonly searches = new Map<string, Statement>();
  private readonly personalityOf: Statement;
  private readonly phrasesOf: Statement;
  private readonly liveCountOf: Statement;
  private readonly docFreqOf: Statement;
  private readonly matchingOf: Statement;

  constructor(private readonly db: Db) {
    this.personalityOf = db.sqlite.prepare(
      `SELECT m.id AS id, -bm25(memories_fts) AS score
         FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid
        WHERE memories_fts MATCH ? AND m.user_id = ? AND ${liveMemorySql("m")} AND m.category IN (SELECT value FROM json_each(?))
        ORDER BY bm25(memories_fts) LIMIT ?`,
    );
    this.phrasesOf = db.sqlite.prepare(
      `SELECT m.id, substr(m.content, 1, ?) AS content FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid
        WHERE memories_fts MATCH ? AND m.user_id = ? AND ${presentMemorySql("m")} ORDER BY m.id DESC LIMIT ?`,
    );
    this.liveCountOf = db.sqlite.prepare(`SELECT count(*) FROM memories m WHERE m.user_id = ? AND ${liveMemorySql("m")}`).pluck();
    // Counting stops at the cap: past it a term is common and its IDF is near its floor anyway.
    this.docFreqOf = db.sqlite
      .prepare(
        `SELECT count(*) FROM (SELECT 1 FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid
          WHERE memories_fts MATCH ? AND m.user_id = ? AND ${liveMemorySql("m")} LIMIT ?)`,
      )
      .pluck();
    this.matchingOf = db.sqlite
      .prepare(
        `SELECT m.id FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid
          WHERE memories_fts MATCH ? AND m.user_id = ? AND m.id IN (SELECT value FROM json_each(?))`,
      )
      .pluck();
  }

  /** How many live memories the user has: the N of the IDF. */
  liveCount(userId: number): number {
    return this.liveCountOf.get(userId) as number;
  }

  /** How many of the user's live memories match `match` (one term), counted up to `cap`. */
  docFreq(userId: number, match: string, cap: number): number {
    return this.docFreqOf.get(match, userId, cap) as number;
  }

  /** Which of the user's memories `ids` match `match` (one term, stemmed as the index stems it). */
  matching(userId: number, match: string, ids: readonly number[]): number[] {
    return ids.length ? (this.matchingOf.all(match, userId, JSON.stringify(ids)) as number[]) : [];
  }

  /** The user's memories matching `match`, best BM25 first; by default only live ones. */
  search(userId: number, match: string, limit: number, f: SearchFilters): LexicalHit[] {
    const where = ["memories_fts MATCH ?", "m.user_id = ?"];
    const params: unknown[] = [match, userId];
    const latest = f.latestOnly !== false;
    const shown = !f.includeForgotten;
    if (latest && shown) where.push(liveMemorySql("m"));
    else if (latest) where.push("m.is_latest = 1");
    else if (shown) where.push("m.is_forgotten = 0 AND m.is_archived = 0");
    if (f.category) (where.push("m.category = ?"), params.push(f.category));
    if (f.source) (where.push("m.source = ?"), params.push(f.source));
    if (f.spaceId != null) (where.push("m.space_id = ?"), params.push(f.spaceId));
    for (const tag of f.tags ?? []) {
      where.push("EXISTS (SELECT 1 FROM json_each(m.tags) t WHERE t.value = ?)");
      params.push(tag);
    }
    params.push(limit);
    const sql = `SELECT m.id AS id, -bm25(memories_fts) AS bm25
       FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid
       WHERE ${where.join(" AND ")}
       ORDER BY bm25(memories_fts) LIMIT ?`;
    let statement = this.searches.get(sql);
    if (!statement) this.searches.set(sql, (statement = this.db.sqlite.prepare(sql)));
    return statement.all(...params) as LexicalHit[];
  }

  /** The user's live memories of the categories matching `match`, best BM25 first, with their BM25 relevance as score. */
  personality(userId: number, match: string, categories: readonly string[], limit: number): { id: number; score: number }[] {
    return this.personalityOf.all(match, userId, JSON.stringify(categories), limit) as { id: number; score: number }[];
  }

  /** The user's present memories (latest, not forgotten) matching `match`, newest first, each its first `chars` characters. */
  withPhrases(userId: number, match: string, limit: number, chars: number): MemoryHead[] {
    return this.phrasesOf.all(chars, match, userId, limit) as MemoryHead[];
  }
}
