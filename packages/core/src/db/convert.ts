import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { applyKey, looksEncrypted, proveReadable, type DbKey } from "./cipher.js";

/**
 * Offline conversions of a database file (platform.md §2.3), run by `engram-server db` under
 * the exclusive lock (db-lock.ts). Encrypt and decrypt never write the original: they build a
 * converted copy next to it (`VACUUM INTO`, then `PRAGMA rekey` on the copy, which rewrites
 * every page with the new key or none), check it (`integrity_check` and the row count of every
 * table), and only then rename it over the original, which a hard link keeps under its backup
 * name. A failure at any step leaves the original as it was.
 */

export interface DbStatus {
  encrypted: boolean;
  /** "sqlcipher" once a key has opened it; null for a plain file, or an encrypted one without its key. */
  cipher: "sqlcipher" | null;
  sizeBytes: number;
  /** The newest migration; null on an empty database, or an encrypted one without its key. */
  schemaVersion: number | null;
}

export interface ConvertResult {
  tables: number;
  rows: number;
  /** Where the original was kept; null when it was deleted (`--delete-plain`). */
  keptAt: string | null;
}

export class ConvertError extends Error {
  override name = "ConvertError";
}

/**
 * Opens a database with its key or plain, and proves the key before returning. Read-write even
 * to read: only a writer's close checkpoints the WAL and removes the -wal and -shm files, which
 * must not outlive the file they belong to.
 */
function openExisting(file: string, dbKey: DbKey | null): Database.Database {
  if (!fs.existsSync(file)) throw new ConvertError(`no database at ${file}`);
  const sqlite = new Database(file, { fileMustExist: true });
  if (dbKey) applyKey(sqlite, dbKey.key);
  proveReadable(sqlite, file, dbKey);
  return sqlite;
}

export function databaseStatus(file: string, dbKey: DbKey | null): DbStatus {
  if (!fs.existsSync(file)) throw new ConvertError(`no database at ${file}`);
  const encrypted = looksEncrypted(file);
  const sizeBytes = fs.statSync(file).size;
  if (encrypted && !dbKey) return { encrypted, cipher: null, sizeBytes, schemaVersion: null };
  const sqlite = openExisting(file, encrypted ? dbKey : null);
  try {
    return { encrypted, cipher: encrypted ? "sqlcipher" : null, sizeBytes, schemaVersion: schemaVersion(sqlite) };
  } finally {
    sqlite.close();
  }
}

function schemaVersion(sqlite: Database.Database): number | null {
  const has = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!has) return null;
  return (sqlite.prepare("SELECT max(version) AS v FROM schema_migrations").get() as { v: number | null }).v;
}

/** Rows of every table, FTS shadow tables included: a converted copy must match the original exactly. */
function rowCounts(sqlite: Database.Database): Map<string, number> {
  const names = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
    (r) => r.name,
  );
  return new Map(names.map((n) => [n, (sqlite.prepare(`SELECT count(*) AS c FROM "${n.replaceAll('"', '""')}"`).get() as { c: number }).c]));
}

const stampOf = (now: Date) => now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");

/** Plain to encrypted with `dbKey`; the plain original kept as `<db>.plain-<UTC stamp>.bak` unless deletePlain. */
export function encryptDatabase(file: string, dbKey: DbKey, opts: { deletePlain: boolean; now?: Date }): ConvertResult {
  if (looksEncrypted(file)) throw new ConvertError(`${file} is already encrypted`);
  return convert(file, { from: null, to: dbKey, temp: `${file}.encrypting`, backup: `${file}.plain-${stampOf(opts.now ?? new Date())}.bak`, deleteOriginal: opts.deletePlain });
}

/** Encrypted with `dbKey` to plain; the encrypted original kept as `<db>.encrypted-<UTC stamp>.bak`. */
export function decryptDatabase(file: string, dbKey: DbKey, opts: { now?: Date } = {}): ConvertResult {
  if (!looksEncrypted(file)) throw new ConvertError(`${file} is not encrypted`);
  return convert(file, { from: dbKey, to: null, temp: `${file}.decrypting`, backup: `${file}.encrypted-${stampOf(opts.now ?? new Date())}.bak`, deleteOriginal: false });
}

function convert(
  file: string,
  p: { from: DbKey | null; to: DbKey | null; temp: string; backup: string; deleteOriginal: boolean },
): ConvertResult {
  const source = openExisting(file, p.from);
  let expected: Map<string, number>;
  try {
    expected = rowCounts(source);
    // A copy left by an interrupted run is ours and incomplete.
    fs.rmSync(p.temp, { force: true });
    // A consistent copy, the WAL's commits included; with a key it is encrypted with that key.
    source.prepare("VACUUM INTO ?").run(p.temp);
  } finally {
    source.close();
  }
  dropEmptyWal(file);
  try {
    const copy = new Database(p.temp, { fileMustExist: true });
    try {
      if (p.from) applyKey(copy, p.from.key);
      // Rekeying rewrites every page in place; with a rollback journal it is one transaction.
      copy.pragma("journal_mode = DELETE");
      if (p.to) applyKey(copy, p.to.key, "rekey");
      else copy.pragma(`rekey = ''`);
    } finally {
      copy.close();
    }
    verify(p.temp, p.to, expected);
    fsyncFile(p.temp);
    // The original stays reachable under its backup name; the rename swaps in one step.
    fs.rmSync(p.backup, { force: true });
    fs.linkSync(file, p.backup);
    fs.renameSync(p.temp, file);
    fsyncFile(path.dirname(file));
  } catch (err) {
    fs.rmSync(p.temp, { force: true });
    fs.rmSync(`${p.temp}-journal`, { force: true });
    throw err;
  }
  if (p.deleteOriginal) fs.rmSync(p.backup);
  return { tables: expected.size, rows: [...expected.values()].reduce((a, b) => a + b, 0), keptAt: p.deleteOriginal ? null : p.backup };
}

/** The converted copy opens with its new key (or none), passes integrity_check, and holds every row. */
function verify(file: string, dbKey: DbKey | null, expected: Map<string, number>): void {
  const sqlite = openExisting(file, dbKey);
  try {
    const check = sqlite.pragma("integrity_check", { simple: true });
    if (check !== "ok") throw new ConvertError(`the converted copy ${file} failed integrity_check: ${String(check)}`);
    const got = rowCounts(sqlite);
    for (const [table, rows] of expected) {
      if (got.get(table) !== rows) throw new ConvertError(`the converted copy has ${got.get(table) ?? "no"} rows in ${table}, expected ${rows}`);
    }
  } finally {
    sqlite.close();
  }
}

/** `PRAGMA rekey` to newKey, then a fresh connection proves the new key and checks the file. */
export function rekeyDatabase(file: string, dbKey: DbKey, newKey: DbKey): void {
  if (!looksEncrypted(file)) throw new ConvertError(`${file} is not encrypted; use db encrypt`);
  const sqlite = openExisting(file, dbKey);
  let expected: Map<string, number>;
  try {
    expected = rowCounts(sqlite);
    // SQLite3MultipleCiphers rekeys only with a rollback journal, which makes the rekey one
    // transaction; the server switches back to WAL when it next opens the file.
    sqlite.pragma("journal_mode = DELETE");
    applyKey(sqlite, newKey.key, "rekey");
  } finally {
    sqlite.close();
  }
  verify(file, newKey, expected);
}

/**
 * After the last connection closed, the original's -wal must be gone or empty (all of it is in
 * the file): a WAL left beside the converted file would be read as its own.
 */
function dropEmptyWal(file: string): void {
  const wal = `${file}-wal`;
  if (fs.existsSync(wal) && fs.statSync(wal).size > 0) {
    throw new ConvertError(`${wal} still holds commits after closing; is another process using the database?`);
  }
  fs.rmSync(wal, { force: true });
  fs.rmSync(`${file}-shm`, { force: true });
}

function fsyncFile(p: string): void {
  const fd = fs.openSync(p, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
