import fs from "node:fs";
import Database from "better-sqlite3";
import { applyKey } from "../db/index.js";

/**
 * The backup's SQL on database files, each through its own connection (never the server's), so
 * it can run on a worker thread beside the live one: WAL lets a reader take a consistent
 * snapshot while writers go on.
 */

/** What a database file holds, when it is a readable Engram database. */
export interface DatabaseFileReport {
  ok: true;
  integrity: "ok";
  schema_version: number | null;
  memory_count: number;
  user_count: number;
  size_bytes: number;
}

/** Why a file is not a usable Engram database: the first problem found. */
export interface DatabaseFileProblem {
  ok: false;
  problem: string;
  integrity: string;
}

/** Tables every Engram database holds, whatever its schema version. */
const REQUIRED_TABLES = ["memories", "users", "schema_migrations"];

/**
 * Writes a consistent copy of the database at `sourcePath` to `destPath`, which must not exist or
 * be empty. The one place a snapshot is made (GET /backup, and scheduled backups to come).
 *
 * VACUUM INTO, not SQLite's online backup API: measured with better-sqlite3-multiple-ciphers
 * 12.11.1 on a database keyed with `PRAGMA key="x'<64 hex>'"`, VACUUM INTO writes the copy
 * encrypted with the source's key (it opens only with that key; without it: "file is not a
 * database"), while the backup API refuses the pair ("backup is not supported with incompatible
 * source and target databases"). So the key (hex) is applied to this connection as the server
 * applies it to its own (cipher sqlcipher, legacy 4), and the copy stays encrypted with it.
 */
export function vacuumInto(sourcePath: string, destPath: string, key?: string): void {
  const db = new Database(sourcePath, { readonly: true, fileMustExist: true });
  try {
    if (key !== undefined) applyKey(db, Buffer.from(key, "hex"));
    db.prepare("VACUUM INTO ?").run(destPath);
  } finally {
    db.close();
  }
}

/**
 * Opens the file read-only (with `key` when the database is encrypted) and checks it: it is a
 * database, `PRAGMA integrity_check` says ok, and the Engram tables are there.
 */
export function inspectDatabaseFile(filePath: string, key?: string): DatabaseFileReport | DatabaseFileProblem {
  const size = fs.statSync(filePath).size;
  let db: Database.Database | undefined;
  try {
    db = new Database(filePath, { readonly: true, fileMustExist: true });
    if (key !== undefined) applyKey(db, Buffer.from(key, "hex"));
    const problems = (db.prepare("PRAGMA integrity_check").pluck().all() as string[]).filter((p) => p !== "ok");
    if (problems.length > 0) return { ok: false, problem: "integrity check failed", integrity: problems[0]! };
    const tables = new Set(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[]);
    const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
    if (missing.length > 0) return { ok: false, problem: `not an Engram database (no ${missing.join(", ")} table)`, integrity: "ok" };
    const count = (sql: string) => db!.prepare(sql).pluck().get() as number;
    return {
      ok: true,
      integrity: "ok",
      schema_version: db.prepare("SELECT max(version) FROM schema_migrations").pluck().get() as number | null,
      memory_count: count("SELECT count(*) FROM memories"),
      user_count: count("SELECT count(*) FROM users"),
      size_bytes: size,
    };
  } catch (err) {
    // SQLITE_NOTADB, SQLITE_CORRUPT and their kin: the file is not (or no longer) a database.
    const message = (err as Error).message;
    return { ok: false, problem: message, integrity: message };
  } finally {
    db?.close();
  }
}
