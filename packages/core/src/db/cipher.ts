import fs from "node:fs";
import type Database from "better-sqlite3";
import { EncryptionKeyError } from "../encryption/index.js";

/**
 * SQLCipher through better-sqlite3-multiple-ciphers (platform.md §2.1): cipher `sqlcipher`
 * with the `legacy=4` defaults (AES-256-CBC, HMAC-SHA512 per page), the raw 32-byte key.
 */
export interface DbKey {
  key: Buffer;
  /** The configured mode, named in the wrong-key message. */
  mode: string;
}

const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");

/**
 * Whether a file holds something other than a plain SQLite database: a plain one starts with
 * the SQLite magic; an encrypted one with random-looking bytes. A missing or empty file is a
 * new database, not an encrypted one.
 */
export function looksEncrypted(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(SQLITE_MAGIC.length);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return n > 0 && !head.subarray(0, n).equals(SQLITE_MAGIC.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
}

/** The statements that make a connection read and write with the key; the key statement must come before any read. */
export function applyKey(sqlite: Database.Database, key: Buffer, statement: "key" | "rekey" = "key"): void {
  sqlite.pragma("cipher = 'sqlcipher'");
  sqlite.pragma("legacy = 4");
  sqlite.pragma(`${statement} = "x'${key.toString("hex")}'"`);
}

/**
 * Proves the connection can read the file (with its key, or plain) before anything writes to
 * it: a failure closes the connection and leaves the file as it was (platform.md §2.2).
 */
export function proveReadable(sqlite: Database.Database, file: string, dbKey: DbKey | null): void {
  try {
    sqlite.prepare("SELECT count(*) FROM sqlite_master").get();
  } catch (err) {
    sqlite.close();
    if ((err as { code?: string }).code !== "SQLITE_NOTADB") throw err;
    throw dbKey
      ? new EncryptionKeyError(`cannot open ${file}: wrong encryption key or not an encrypted database (ENGRAM_ENCRYPTION_MODE=${dbKey.mode})`)
      : encryptedWithoutKey(file);
  }
}

export const encryptedWithoutKey = (file: string) =>
  new EncryptionKeyError(`${file} is encrypted; set ENGRAM_ENCRYPTION_MODE and its key`);
