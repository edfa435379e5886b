import { and, asc, desc, eq, inArray, or, sql, type SQL } from "drizzle-orm";
import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/connection.js";
import { memories, type MemoryRow } from "../../db/schema.js";
import { rowReader } from "../../db/row-reader.js";
import type { ListFilters } from "../schemas.js";
import { LexicalIndexWriter } from "./lexical-index.js";
import { latestMemorySql, presentMemorySql } from "./live.js";

export type NewMemoryRow = typeof memories.$inferInsert;
/**
 * Columns a write may change on an existing row. Never the text: a new text is a new version
 * (a new row), so the lexical index needs no upkeep on a patch.
 */
export type MemoryPatch = Partial<Omit<NewMemoryRow, "id" | "userId" | "content">>;

/** A tenant's memory counts for GET /stats; `links` counts the tenant's memory_links rows. */
export interface MemoryStats {
  active: number;
  archived: number;
  forgotten: number;
  superseded_versions: number;
  rows: number;
  links: number;
}

/** A memory past its `forget_after`, as the expiry sweep finds it. */
export interface ExpiredMemory {
  id: number;
  userId: number;
}

/** Memory rows from raw arrays (search reads a few hundred a query). */
const memoryRows = rowReader(memories);

/** `memories` as drizzle names it, for the live-rule fragments inside drizzle queries. */
const TABLE = "memories";

/**
 * Every statement on the memories table but the FSRS columns (store/fsrs-state.ts), the guard's
 * rule candidates (store/rule-candidates.ts) and the status gauges (store/status-counts.ts).
 * Fixed statements are prepared once; inserts and patches (their columns vary), list filters
 * and id lists build their statement per call. Inserts and deletes keep the tenant's lexical
 * index (store/lexical-index.ts) in step, in the caller's transaction.
 */
export class MemoryStore {
  private readonly findStmt;
  private readonly byIdsStmt: Statement;
  private readonly chainStmt;
  private readonly stmts: {
    exactInSpace: Statement;
    exactNoSpace: Statement;
    recentInSpace: Statement;
    recentNoSpace: Statement;
    bumpSourceCount: Statement;
    supersede: Statement;
    restoreLatest: Statement;
    remove: Statement;
    tagCounts: Statement;
    stats: Statement;
    expired: Statement;
  };

  private readonly lexical: LexicalIndexWriter;

  constructor(private readonly db: Db) {
    this.lexical = new LexicalIndexWriter(db);
    const s = (text: string) => db.sqlite.prepare(text);
    const present = presentMemorySql("m");
    // A superseded memory is hidden from search, so a new store must not be swallowed as its duplicate.
    const dedupable = `${present} AND m.is_superseded = 0`;
    // Every latest version, whatever its status: the stats break them down by status.
    const latest = latestMemorySql("m", { forgotten: true, archived: true });
    this.byIdsStmt = db.sqlite
      .prepare(`SELECT ${memoryRows.columns()} FROM memories WHERE user_id = ? AND id IN (SELECT value FROM json_each(?))`)
      .raw();
    this.findStmt = db.orm
      .select()
      .from(memories)
      .where(and(eq(memories.id, sql.placeholder("id")), eq(memories.userId, sql.placeholder("userId"))))
      .prepare();
    this.chainStmt = db.orm
      .select()
      .from(memories)
      .where(and(eq(memories.userId, sql.placeholder("userId")), or(eq(memories.id, sql.placeholder("root")), eq(memories.rootMemoryId, sql.placeholder("root")))))
      .orderBy(asc(memories.version), asc(memories.id))
      .prepare();
    this.stmts = {
      exactInSpace: s(`SELECT m.id FROM memories m WHERE m.user_id = ? AND ${dedupable} AND m.space_id = ? AND m.content = ?`),
      exactNoSpace: s(`SELECT m.id FROM memories m WHERE m.user_id = ? AND ${dedupable} AND m.space_id IS NULL AND m.content = ?`),
      recentInSpace: s(`SELECT m.id, m.simhash FROM memories m WHERE m.user_id = ? AND ${dedupable} AND m.space_id = ? ORDER BY m.id DESC LIMIT ?`),
      recentNoSpace: s(`SELECT m.id, m.simhash FROM memories m WHERE m.user_id = ? AND ${dedupable} AND m.space_id IS NULL ORDER BY m.id DESC LIMIT ?`),
      bumpSourceCount: s(`UPDATE memories SET source_count = source_count + 1, updated_at = ? WHERE id = ?`),
      supersede: s(`UPDATE memories SET is_latest = 0, updated_at = ? WHERE id = ?`),
      restoreLatest: s(`UPDATE memories SET is_latest = 1, updated_at = ? WHERE id = ? AND user_id = ?`),
      remove: s(`DELETE FROM memories WHERE id = ?`),
      tagCounts: s(
        `SELECT t.value AS tag, count(*) AS count FROM memories m, json_each(m.tags) t
         WHERE m.user_id = ? AND ${present}
         GROUP BY t.value ORDER BY count DESC, tag ASC`,
      ),
      stats: s(
        `SELECT
           count(*) FILTER (WHERE ${latest} AND m.status = 'active') AS active,
           count(*) FILTER (WHERE ${latest} AND m.status = 'archived') AS archived,
           count(*) FILTER (WHERE ${latest} AND m.status = 'forgotten') AS forgotten,
           count(*) FILTER (WHERE NOT (${latest})) AS superseded_versions,
           count(*) AS rows,
           (SELECT count(*) FROM memory_links WHERE user_id = ?) AS links
         FROM memories m WHERE m.user_id = ?`,
      ),
      expired: s(
        `SELECT id, user_id AS userId FROM memories
         WHERE forget_after IS NOT NULL AND forget_after <= ? AND is_forgotten = 0 AND (? IS NULL OR user_id = ?)
         ORDER BY forget_after, id LIMIT ?`,
      ),
    };
  }

  /** The user's memory by id, any version or status; another tenant's id is indistinguishable from a missing one. */
  find(userId: number, id: number): MemoryRow | undefined {
    return this.findStmt.get({ id, userId });
  }

  /** A present, not superseded memory of the user in the space (null: no space) with exactly this content. */
  exactCopy(userId: number, spaceId: number | null, content: string): number | undefined {
    const row = (spaceId == null ? this.stmts.exactNoSpace.get(userId, content) : this.stmts.exactInSpace.get(userId, spaceId, content)) as
      | { id: number }
      | undefined;
    return row?.id;
  }

  /** Fingerprints of the user's newest present, not superseded memories in the space (null: no space), newest first. */
  recentFingerprints(userId: number, spaceId: number | null, limit: number): { id: number; simhash: string }[] {
    return (spaceId == null ? this.stmts.recentNoSpace.all(userId, limit) : this.stmts.recentInSpace.all(userId, spaceId, limit)) as {
      id: number;
      simhash: string;
    }[];
  }

  /** A near-duplicate store counts as one more source of the memory it matched. */
  bumpSourceCount(id: number, now: string): void {
    this.stmts.bumpSourceCount.run(now, id);
  }

  /** Inserts the row and indexes its text; call inside a transaction, so both commit or neither. */
  insert(values: NewMemoryRow): MemoryRow {
    const row = this.db.orm.insert(memories).values(values).returning().get();
    this.lexical.add(row.userId, row.id, row.content);
    return row;
  }

  /** Replaces the row's content in place, its lexical index entry with it; call inside a transaction. */
  rewriteText(row: Pick<MemoryRow, "id" | "userId" | "content">, content: string): void {
    this.lexical.remove(row.userId, row.id, row.content);
    this.db.orm.update(memories).set({ content }).where(eq(memories.id, row.id)).run();
    this.lexical.add(row.userId, row.id, content);
  }

  /** The user's pending memories (the review inbox), newest first, with their total. */
  pending(userId: number, limit: number, offset: number): { rows: MemoryRow[]; total: number } {
    const where = and(eq(memories.userId, userId), eq(memories.reviewStatus, "pending"), sql.raw(latestMemorySql(TABLE)));
    const rows = this.db.orm.select().from(memories).where(where).orderBy(desc(memories.createdAt), desc(memories.id)).limit(limit).offset(offset).all();
    const total = this.db.orm.select({ n: sql<number>`count(*)` }).from(memories).where(where).get()?.n ?? 0;
    return { rows, total };
  }

  /** Writes `patch` on the row and returns it as it now is. */
  patch(id: number, patch: MemoryPatch): MemoryRow {
    return this.db.orm.update(memories).set(patch).where(eq(memories.id, id)).returning().get();
  }

  /** The row stops being the latest version (a newer one is being written). */
  supersede(id: number, now: string): void {
    this.stmts.supersede.run(now, id);
  }

  /** The row becomes the latest version again (its successor is being deleted). */
  restoreLatest(userId: number, id: number, now: string): void {
    this.stmts.restoreLatest.run(now, id, userId);
  }

  /** Deletes the row (links and vector go by cascade) and its entry in the lexical index; call inside a transaction. */
  remove(row: Pick<MemoryRow, "id" | "userId" | "content">): void {
    this.lexical.remove(row.userId, row.id, row.content);
    this.stmts.remove.run(row.id);
  }

  /** Latest versions not superseded, newest first, filtered as the listing asks. */
  list(userId: number, f: ListFilters): MemoryRow[] {
    const conds: SQL[] = [
      eq(memories.userId, userId),
      // Rejected memories are archived: asking for them shows the archive too.
      sql.raw(latestMemorySql(TABLE, { forgotten: f.includeForgotten, archived: f.includeArchived || f.reviewStatus === "rejected" })),
      eq(memories.reviewStatus, f.reviewStatus ?? "approved"),
      // A memory a correction or deduplication replaced stays readable by id, not in listings.
      eq(memories.isSuperseded, false),
    ];
    if (f.category) conds.push(eq(memories.category, f.category));
    if (f.source) conds.push(eq(memories.source, f.source));
    if (f.spaceId != null) conds.push(eq(memories.spaceId, f.spaceId));
    return this.db.orm
      .select()
      .from(memories)
      .where(and(...conds))
      .orderBy(desc(memories.createdAt), desc(memories.id))
      .limit(f.limit)
      .offset(f.offset)
      .all();
  }

  /** Every version whose chain starts at `root` (the root included), oldest first. */
  chain(userId: number, root: number): MemoryRow[] {
    return this.chainStmt.all({ userId, root });
  }

  /** The user's rows among `ids`, in no particular order; other tenants' ids are skipped. */
  byIds(userId: number, ids: readonly number[]): MemoryRow[] {
    if (ids.length === 0) return [];
    return (this.byIdsStmt.all(userId, JSON.stringify(ids)) as unknown[][]).map(memoryRows.map);
  }

  /** Tags of the user's present memories with how many carry each, most used first. */
  tagCounts(userId: number): { tag: string; count: number }[] {
    return this.stmts.tagCounts.all(userId) as { tag: string; count: number }[];
  }

  /** Ids of present memories carrying at least `atLeast` of the tags, newest first. */
  idsByTags(userId: number, tags: readonly string[], atLeast: number, limit: number): number[] {
    const placeholders = tags.map(() => "?").join(",");
    const rows = this.db.sqlite
      .prepare(
        `SELECT m.id FROM memories m, json_each(m.tags) t
         WHERE m.user_id = ? AND ${presentMemorySql("m")} AND t.value IN (${placeholders})
         GROUP BY m.id HAVING count(DISTINCT t.value) >= ? ORDER BY m.id DESC LIMIT ?`,
      )
      .all(userId, ...tags, atLeast, limit) as { id: number }[];
    return rows.map((r) => r.id);
  }

  /** Marks memories as accessed (recall). */
  touch(userId: number, ids: readonly number[], now: string): void {
    this.db.orm
      .update(memories)
      .set({ accessCount: sql`${memories.accessCount} + 1`, lastAccessedAt: now })
      .where(and(eq(memories.userId, userId), inArray(memories.id, [...ids])))
      .run();
  }

  stats(userId: number): MemoryStats {
    return this.stmts.stats.get(userId, userId) as MemoryStats;
  }

  /**
   * Memories not yet forgotten whose `forget_after` is at or before `now`: one tenant's, or
   * every tenant's when `userId` is null; soonest expired first.
   */
  expired(now: string, userId: number | null, limit: number): ExpiredMemory[] {
    return this.stmts.expired.all(now, userId, userId, limit) as ExpiredMemory[];
  }
}
