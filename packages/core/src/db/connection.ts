import path from "node:path";
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { MIGRATIONS, type Migration } from "./migrations.js";
import * as schema from "./schema.js";
import { makePrivateDir, makePrivateFile } from "./private-files.js";
import { applyKey, encryptedWithoutKey, looksEncrypted, proveReadable, type DbKey } from "./cipher.js";

export type Drizzle = BetterSQLite3Database<typeof schema>;

export interface Db {
  sqlite: Database.Database;
  orm: Drizzle;
  /** Called around the commit of every outermost `sqlite.transaction(...)`; see `withCommitHooks`. */
  commitHooks: CommitHooks;
  /**
   * Runs `fn` once the transaction open now commits (the outermost one), or at once when none is
   * open; dropped when the transaction, or the savepoint it was queued in, rolls back. What
   * other parts of the process learn of a write (the vector index, caches) must not run ahead
   * of a commit that may still fail.
   */
  afterCommit(fn: () => void): void;
  close(): void;
}

export interface CommitHooks {
  /** Inside the transaction, after its work: what a hook writes commits (or rolls back) with it. */
  beforeCommit: Array<() => void>;
  /** Right after the commit. */
  afterCommit: Array<() => void>;
}

export interface OpenDbOptions {
  path: string;
  synchronous?: "full" | "normal";
  /** SQLCipher key; without one the file must be plain. */
  encryption?: DbKey | null;
}

/**
 * Opens (creating if needed) the database file, applies pragmas and pending migrations. With a
 * key, the key is the connection's first statement, and a read proves it before any pragma,
 * WAL or migration writes: a wrong key throws EncryptionKeyError with the file untouched.
 */
export function openDb(opts: OpenDbOptions): Db {
  const dbKey = opts.encryption ?? null;
  if (opts.path !== ":memory:") {
    // Checked before SQLite opens it: nothing may be written next to an encrypted file opened without a key.
    if (!dbKey && looksEncrypted(opts.path)) throw encryptedWithoutKey(opts.path);
    makePrivateDir(path.dirname(opts.path));
    makePrivateFile(opts.path);
  }
  const sqlite = new Database(opts.path);
  if (dbKey) applyKey(sqlite, dbKey.key);
  proveReadable(sqlite, opts.path, dbKey);
  sqlite.pragma("journal_mode = WAL");
  // FULL fsyncs every commit so an acknowledged write survives power loss, not only a crash.
  sqlite.pragma(`synchronous = ${opts.synchronous === "normal" ? "NORMAL" : "FULL"}`);
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  runMigrations(sqlite, MIGRATIONS);
  const commitHooks: CommitHooks = { beforeCommit: [], afterCommit: [] };
  const afterCommit = withCommitHooks(sqlite, commitHooks);
  return {
    sqlite,
    orm: drizzle(sqlite, { schema }),
    commitHooks,
    afterCommit,
    close: () => {
      if (sqlite.open) sqlite.close();
    },
  };
}

/**
 * Makes every transaction opened through `sqlite.transaction(fn)` run the hooks: the audit log
 * writes a request's row in the transaction of the mutation it records, whichever subsystem
 * opened it, so a crash can never keep the one without the other. Nested transactions
 * (savepoints) run no hooks: only the outermost one commits.
 */
function withCommitHooks(sqlite: Database.Database, hooks: CommitHooks): (fn: () => void) => void {
  const begin = sqlite.transaction.bind(sqlite);
  let depth = 0;
  /** Work queued by `afterCommit` inside the open transaction, in order. */
  const queued: Array<() => void> = [];
  const transaction = (fn: (...args: unknown[]) => unknown) => {
    const tx = begin(function (this: unknown, ...args: unknown[]) {
      depth++;
      // A savepoint that rolls back takes what was queued inside it along.
      const mark = queued.length;
      try {
        const result = fn.apply(this, args);
        if (depth === 1) for (const hook of hooks.beforeCommit) hook();
        return result;
      } catch (err) {
        queued.length = mark;
        throw err;
      } finally {
        depth--;
      }
    });
    const committing =
      (run: (...args: unknown[]) => unknown) =>
      (...args: unknown[]) => {
        let result: unknown;
        try {
          result = run(...args);
        } catch (err) {
          // The COMMIT itself failed: nothing of the transaction happened.
          if (!sqlite.inTransaction) queued.length = 0;
          throw err;
        }
        if (!sqlite.inTransaction) {
          for (const hook of hooks.afterCommit) hook();
          for (const work of queued.splice(0)) work();
        }
        return result;
      };
    return Object.assign(committing(tx), {
      default: committing(tx.default),
      deferred: committing(tx.deferred),
      immediate: committing(tx.immediate),
      exclusive: committing(tx.exclusive),
    });
  };
  sqlite.transaction = transaction as Database.Database["transaction"];
  return (work) => {
    if (sqlite.inTransaction) queued.push(work);
    else work();
  };
}

/** The newest migration applied to the database, or null on an empty one; throws if the database is closed or broken. */
export function appliedSchemaVersion(db: Db): number | null {
  return (db.sqlite.prepare("SELECT max(version) AS v FROM schema_migrations").get() as { v: number | null }).v;
}

export function runMigrations(sqlite: Database.Database, migrations: readonly Migration[]): number[] {
  sqlite.exec(
    `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
  );
  const applied = new Set(
    (sqlite.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version),
  );
  const ran: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    sqlite.transaction(() => {
      sqlite.exec(m.sql);
      m.run?.(sqlite);
      sqlite
        .prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
        .run(m.version, m.name, new Date().toISOString());
    })();
    ran.push(m.version);
  }
  return ran;
}
