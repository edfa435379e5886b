import type { Db } from "./connection.js";

/**
 * Runs `write` with commits that do not wait for the disk (WAL with synchronous=NORMAL), then
 * puts the connection's level back. Only for bookkeeping that recovery redoes when it is lost,
 * such as a job's claim or completion (a job found running or pending at start-up runs again):
 * a process crash loses nothing even so, and a power cut can lose only these commits, never an
 * acknowledged write, because the next FULL commit syncs the WAL frames written before it.
 * Under FULL each commit waits for the disk (6.5 ms on a loaded test machine), and a store made
 * four of them: the bookkeeping of its background job was half of that wait.
 */
export function redoableWrites<T>(db: Db, write: () => T): T {
  const level = db.sqlite.pragma("synchronous", { simple: true }) as number;
  // NORMAL is 1: at or below it there is nothing to relax.
  if (level <= 1) return write();
  db.sqlite.pragma("synchronous = NORMAL");
  try {
    return write();
  } finally {
    db.sqlite.pragma(`synchronous = ${level}`);
  }
}
