import path from "node:path";
import Database from "better-sqlite3";
import { DatabaseBusyError } from "../encryption/index.js";
import { makePrivateDir, makePrivateFile } from "./private-files.js";

/**
 * Who holds the database, told by SQLite's own file locks on an empty companion file,
 * `<db>.lock`: a running server holds a SHARED lock on it for its lifetime, and an offline
 * `engram-server db` command an EXCLUSIVE one while it works. The operating system drops a
 * lock when its process dies, so a crash leaves nothing stale to clean up; servers may share
 * the database with each other, as before, but never with a command that rewrites the file.
 * (The database itself cannot carry these locks: in WAL mode readers take none on it.)
 */
export interface DbLock {
  release(): void;
}

const lockPath = (dbPath: string) => `${dbPath}.lock`;

function openLock(dbPath: string): Database.Database {
  // A database outside the data folder may be in a folder not made yet (openDb would make it).
  makePrivateDir(path.dirname(dbPath));
  makePrivateFile(lockPath(dbPath));
  return new Database(lockPath(dbPath), { timeout: 0 });
}

const isBusy = (err: unknown) => ["SQLITE_BUSY", "SQLITE_LOCKED"].includes((err as { code?: string }).code ?? "");

/** The server's lock, kept until release (or exit); refused while a `db` command runs. */
export function holdServerLock(dbPath: string): DbLock {
  const lock = openLock(dbPath);
  try {
    lock.exec("BEGIN");
    // A read is what takes the SHARED lock; it is kept until the transaction ends.
    lock.prepare("SELECT count(*) FROM sqlite_master").get();
  } catch (err) {
    lock.close();
    if (isBusy(err)) throw new DatabaseBusyError(`${dbPath} is being converted by an engram-server db command; start the server when it has finished`);
    throw err;
  }
  return { release: () => lock.close() };
}

/** A `db` command's lock: refused while a server (or another command) holds the database. */
export function takeExclusiveLock(dbPath: string): DbLock {
  const lock = openLock(dbPath);
  try {
    lock.exec("BEGIN EXCLUSIVE");
  } catch (err) {
    lock.close();
    if (isBusy(err)) throw new DatabaseBusyError("the server is running (another process holds the database); stop it first");
    throw err;
  }
  return {
    release: () => {
      lock.exec("ROLLBACK");
      lock.close();
    },
  };
}
