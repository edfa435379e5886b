import type Database from "better-sqlite3";

/**
 * One FTS5 table per tenant, so that BM25's statistics (document count, average length, how many
 * documents hold a term) are the tenant's own: another tenant's memories never move its ranking
 * or its scores, and its scores reveal nothing of theirs. A table holds every memory row of its
 * tenant (all versions and statuses, as search's filters decide what is shown) and is created by
 * the tenant's first write (memory/store/lexical-index.ts keeps it in step with memories, in the
 * write's transaction; migration 10 built them for databases that had one shared table).
 *
 * Contentless: the text stays in memories and readers join on rowid. A row leaves by FTS5's
 * 'delete' command with the text it was indexed with, which keeps the statistics exact;
 * contentless_delete=1 would not need the text, but leaves the document count and total length
 * as they were (the deleted row still counts), so the tenant's scores would drift.
 */

/** The tenant's table name; the user id is the only input that ever reaches it, and must be a positive integer. */
export function lexicalTable(userId: number): string {
  if (!Number.isSafeInteger(userId) || userId < 1) throw new TypeError(`lexical index: user id must be a positive integer, got ${String(userId)}`);
  return `memories_fts_u${userId}`;
}

/** Creates the tenant's table unless it exists: a no-op once it does (SQLite checks its schema, FTS5 is not consulted). */
export function createLexicalTable(sqlite: Database.Database, userId: number): void {
  sqlite.exec(
    `CREATE VIRTUAL TABLE IF NOT EXISTS ${lexicalTable(userId)} USING fts5(content, content='', tokenize='porter unicode61')`,
  );
}

const EXISTS_SQL = "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?";

/** Whether the tenant has written anything yet (its table exists). */
export function lexicalTableExists(sqlite: Database.Database, userId: number): boolean {
  return sqlite.prepare(EXISTS_SQL).get(lexicalTable(userId)) !== undefined;
}

/** Creates the tenant's table and indexes every memory row of the tenant (migration 10). */
export function buildLexicalTable(sqlite: Database.Database, userId: number): void {
  createLexicalTable(sqlite, userId);
  sqlite.prepare(`INSERT INTO ${lexicalTable(userId)} (rowid, content) SELECT id, content FROM memories WHERE user_id = ? ORDER BY id`).run(userId);
}
