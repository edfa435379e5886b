import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/connection.js";
import { createLexicalTable, lexicalTable } from "../../db/lexical-tables.js";

/** Tenants whose statements stay prepared; past this the least recently written one is dropped and prepared again when it writes. */
const PREPARED_TENANTS = 256;

interface TenantStatements {
  add: Statement;
  remove: Statement;
}

/**
 * The write side of the per-tenant FTS5 tables (db/lexical-tables.ts): MemoryStore calls it for
 * every row it inserts or deletes, inside the caller's transaction, so the index commits or
 * rolls back with the row it mirrors. The table is created by the tenant's first write; the
 * CREATE ... IF NOT EXISTS runs on every write because a creation rolled back with its
 * transaction must be redone, and an in-process "already created" flag could not tell.
 */
export class LexicalIndexWriter {
  private readonly prepared = new Map<number, TenantStatements>();

  constructor(private readonly db: Db) {}

  /** Indexes a new row's text in its tenant's table. */
  add(userId: number, id: number, content: string): void {
    this.statementsOf(userId).add.run(id, content);
  }

  /** Removes a row from its tenant's table; `content` must be the text it was indexed with (the row's, unchanged since). */
  remove(userId: number, id: number, content: string): void {
    this.statementsOf(userId).remove.run(id, content);
  }

  private statementsOf(userId: number): TenantStatements {
    createLexicalTable(this.db.sqlite, userId);
    let s = this.prepared.get(userId);
    if (s) {
      // Most recently used last, so the eviction below drops the oldest.
      this.prepared.delete(userId);
    } else {
      const table = lexicalTable(userId);
      s = {
        add: this.db.sqlite.prepare(`INSERT INTO ${table} (rowid, content) VALUES (?, ?)`),
        remove: this.db.sqlite.prepare(`INSERT INTO ${table} (${table}, rowid, content) VALUES ('delete', ?, ?)`),
      };
      if (this.prepared.size >= PREPARED_TENANTS) this.prepared.delete(this.prepared.keys().next().value!);
    }
    this.prepared.set(userId, s);
    return s;
  }
}
