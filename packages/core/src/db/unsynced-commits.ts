import type { Db } from "./connection.js";

/**
 * Runs `write` with commits that do not wait for the disk (WAL with synchronous=NORMAL), then
 * puts the connection's level back. Only for writes whose loss costs nothing acknowledged: a
 * job's claim or completion (a job found running or pending at start-up runs again) and the
 * answer filled into an audit row (lost, the row keeps "committed, not answered"). A process
 * crash loses nothing even so; a power cut can lose only these commits, never an acknowledged
 * write, because the next FULL commit syncs the WAL frames written before it. Under FULL each
 * commit waits for the disk (6.5 ms on a loaded test machine) and a store made four of them.
 */
export function unsyncedCommits<T>(db: Db, write: () => T): T {
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
