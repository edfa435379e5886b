import { is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/index.js";
import { createEngram } from "../engram.js";
import { openDb, runMigrations } from "./connection.js";
import { MIGRATIONS } from "./migrations.js";
import * as schema from "./schema.js";

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "engram-schema-"));
}

describe("database schema", () => {
  it("matches the drizzle schema column for column, for every table the schema declares", () => {
    const db = openDb({ path: ":memory:" });
    const tables = Object.values(schema).filter((v): v is SQLiteTable => is(v, SQLiteTable));
    expect(tables.length).toBeGreaterThanOrEqual(12);
    for (const table of tables) {
      const cfg = getTableConfig(table);
      const cols = (db.sqlite.prepare(`PRAGMA table_info(${cfg.name})`).all() as { name: string }[]).map((c) => c.name);
      expect(cols.sort(), cfg.name).toEqual(cfg.columns.map((c) => c.name).sort());
    }
    db.close();
  });

  it("applies migrations once, recording each version", () => {
    const db = openDb({ path: ":memory:" });
    expect(runMigrations(db.sqlite, MIGRATIONS)).toEqual([]);
    const versions = db.sqlite.prepare("SELECT version FROM schema_migrations").all();
    expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    db.close();
  });

  it("rolls a failing migration back whole", () => {
    const db = openDb({ path: ":memory:" });
    const bad = { version: 999, name: "broken", sql: "CREATE TABLE half_done (x INTEGER); INSERT INTO nowhere VALUES (1);" };
    expect(() => runMigrations(db.sqlite, [...MIGRATIONS, bad])).toThrow();
    expect(db.sqlite.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBeUndefined();
    expect(db.sqlite.prepare("SELECT version FROM schema_migrations WHERE version = 999").get()).toBeUndefined();
    db.close();
  });

  // On a file: an in-memory database cannot use WAL, so it would hide a missing journal pragma.
  it("turns on WAL, foreign keys and a busy timeout on a database file", () => {
    const db = openDb({ path: path.join(tempDir(), "engram.db") });
    expect(db.sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.sqlite.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(db.sqlite.pragma("busy_timeout", { simple: true })).toBe(5000);
    db.close();
  });

  // SQLite's synchronous levels: 1 = NORMAL, 2 = FULL. FULL is the default so an acknowledged write survives power loss.
  it.each([
    [undefined, 2],
    ["full", 2],
    ["normal", 1],
  ])("opens the database file with the synchronous level ENGRAM_DB_SYNCHRONOUS=%s asks for", (value, level) => {
    const dataDir = tempDir();
    const engram = createEngram(loadConfig({ ENGRAM_DATA_DIR: dataDir, ENGRAM_DB_SYNCHRONOUS: value, ENGRAM_EMBEDDING_PROVIDER: "none" }));
    try {
      expect(engram.db.sqlite.pragma("synchronous", { simple: true })).toBe(level);
      expect(engram.db.sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      engram.close();
    }
  });
});
