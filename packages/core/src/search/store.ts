import type { Statement } from "better-sqlite3";
import type { Db } from "../db/connection.js";
import { lexicalTable, lexicalTableExists } from "../db/index.js";
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

/** Statements kept prepared (each tenant's table has its own); past this the least recently used is dropped. */
const PREPARED = 512;
/** Document frequencies remembered per tenant (see `counts`); past this the tenant's are forgotten and counted again. */
const REMEMBERED_TERMS = 4_096;
/** Tenants whose counts are remembered; past this the least recently searched is forgotten. */
const REMEMBERED_TENANTS = 1_024;

/**
 * Which state of a tenant's memories a count was taken in: the search cache's generation,
 * which every committed change of the tenant's memories moves on (search/index.ts).
 */
export type TenantGeneration = (userId: number) => number;

interface TenantCounts {
  generation: number;
  live: number | undefined;
  docFreq: Map<string, number>;
}

/**
 * Every read of the lexical index: each tenant's own FTS5 table (db/lexical-tables.ts; the
 * memory store keeps it in step with memories), so BM25's statistics and scores are the
 * tenant's alone. BM25 search, the personality channel's, and phrase lookups; each takes an
 * FTS5 MATCH expression (text/fts-query.ts builds them from words only). The table is chosen by
 * the user id alone and the join on memories keeps the tenant check on every hit as well.
 */
export class LexicalStore {
  private readonly prepared = new Map<string, Statement>();
  private readonly counted = new Map<number, TenantCounts>();

  /**
   * With `generation`, the live count and the document frequencies (IDF evidence, asked for
   * every query term of every search) are remembered until the tenant's memories change:
   * counting a common term over the join on memories cost milliseconds per search.
   */
  constructor(
    private readonly db: Db,
    private readonly generation?: TenantGeneration,
  ) {}

  /** The user's memories matching `match`, best BM25 first; by default only live ones. */
  search(userId: number, match: string, limit: number, f: SearchFilters): LexicalHit[] {
    const fts = lexicalTable(userId);
    const where = [`${fts} MATCH ?`, "m.user_id = ?"];
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
    const sql = `SELECT m.id AS id, -bm25(${fts}) AS bm25
       FROM ${fts} JOIN memories m ON m.id = ${fts}.rowid
       WHERE ${where.join(" AND ")}
       ORDER BY bm25(${fts}) LIMIT ?`;
    return (this.statement(userId, sql)?.all(...params) ?? []) as LexicalHit[];
  }

  /**
   * The user's live memories matching `match` that speak of the person: filed under one of the
   * categories, or carrying a personality signal of one of `signalTypes` that the intelligence
   * engine read from them. Best BM25 first, with their BM25 relevance as score.
   */
  personality(userId: number, match: string, categories: readonly string[], signalTypes: readonly string[], limit: number): { id: number; score: number }[] {
    const fts = lexicalTable(userId);
    const sql = `SELECT m.id AS id, -bm25(${fts}) AS score
         FROM ${fts} JOIN memories m ON m.id = ${fts}.rowid
        WHERE ${fts} MATCH ? AND m.user_id = ? AND ${liveMemorySql("m")}
          AND (m.category IN (SELECT value FROM json_each(?))
               OR EXISTS (SELECT 1 FROM personality_signals s WHERE s.memory_id = m.id AND s.user_id = m.user_id
                             AND s.signal_type IN (SELECT value FROM json_each(?))))
        ORDER BY bm25(${fts}) LIMIT ?`;
    return (this.statement(userId, sql)?.all(match, userId, JSON.stringify(categories), JSON.stringify(signalTypes), limit) ?? []) as {
      id: number;
      score: number;
    }[];
  }

  /** The user's present memories (latest, not forgotten) matching `match`, newest first, each its first `chars` characters. */
  withPhrases(userId: number, match: string, limit: number, chars: number): MemoryHead[] {
    const fts = lexicalTable(userId);
    const sql = `SELECT m.id, substr(m.content, 1, ?) AS content FROM ${fts} JOIN memories m ON m.id = ${fts}.rowid
        WHERE ${fts} MATCH ? AND m.user_id = ? AND ${presentMemorySql("m")} ORDER BY m.id DESC LIMIT ?`;
    return (this.statement(userId, sql)?.all(chars, match, userId, limit) ?? []) as MemoryHead[];
  }

  /** How many live memories the user has: the N of the IDF. */
  liveCount(userId: number): number {
    const counts = this.counts(userId);
    if (counts?.live !== undefined) return counts.live;
    const sql = `SELECT count(*) AS n FROM memories m WHERE m.user_id = ? AND ${liveMemorySql("m")}`;
    const n = (this.statement(userId, sql)?.get(userId) as { n: number } | undefined)?.n ?? 0;
    if (counts) counts.live = n;
    return n;
  }

  /** How many of the user's live memories match `match` (one term), counted up to `cap`: past it a term is common and its IDF near its floor anyway. */
  docFreq(userId: number, match: string, cap: number): number {
    const counts = this.counts(userId);
    const key = `${cap} ${match}`;
    const known = counts?.docFreq.get(key);
    if (known !== undefined) return known;
    const fts = lexicalTable(userId);
    const sql = `SELECT count(*) AS n FROM (SELECT 1 FROM ${fts} JOIN memories m ON m.id = ${fts}.rowid
        WHERE ${fts} MATCH ? AND m.user_id = ? AND ${liveMemorySql("m")} LIMIT ?)`;
    const n = (this.statement(userId, sql)?.get(match, userId, cap) as { n: number } | undefined)?.n ?? 0;
    if (counts) {
      if (counts.docFreq.size >= REMEMBERED_TERMS) counts.docFreq.clear();
      counts.docFreq.set(key, n);
    }
    return n;
  }

  /** The tenant's remembered counts, emptied when its memories changed; undefined without a generation. */
  private counts(userId: number): TenantCounts | undefined {
    if (!this.generation) return undefined;
    const generation = this.generation(userId);
    let counts = this.counted.get(userId);
    if (counts) this.counted.delete(userId);
    if (!counts || counts.generation !== generation) counts = { generation, live: undefined, docFreq: new Map() };
    // Most recently searched last, so the eviction below drops the tenant searched longest ago.
    this.counted.set(userId, counts);
    if (this.counted.size > REMEMBERED_TENANTS) this.counted.delete(this.counted.keys().next().value!);
    return counts;
  }

  /** Which of the user's memories `ids` match `match` (one term, stemmed as the index stems it). */
  matching(userId: number, match: string, ids: readonly number[]): number[] {
    if (ids.length === 0) return [];
    const fts = lexicalTable(userId);
    const sql = `SELECT m.id AS id FROM ${fts} JOIN memories m ON m.id = ${fts}.rowid
        WHERE ${fts} MATCH ? AND m.user_id = ? AND m.id IN (SELECT value FROM json_each(?))`;
    return ((this.statement(userId, sql)?.all(match, userId, JSON.stringify(ids)) ?? []) as { id: number }[]).map((r) => r.id);
  }

  /**
   * The prepared statement for `sql` over the user's table; undefined while the user has no
   * table (nothing written yet: no hits). Only a miss looks the table up: tables are never
   * dropped, so a prepared statement stays valid.
   */
  private statement(userId: number, sql: string): Statement | undefined {
    let statement = this.prepared.get(sql);
    if (statement) {
      // Most recently used last, so the eviction below drops the oldest.
      this.prepared.delete(sql);
    } else {
      if (!lexicalTableExists(this.db.sqlite, userId)) return undefined;
      statement = this.db.sqlite.prepare(sql);
      if (this.prepared.size >= PREPARED) this.prepared.delete(this.prepared.keys().next().value!);
    }
    this.prepared.set(sql, statement);
    return statement;
  }
}
