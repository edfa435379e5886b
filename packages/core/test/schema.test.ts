import { is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { openDb, runMigrations } from "../src/db/connection.js";
import { MIGRATIONS } from "../src/db/migrations.js";
import * as schema from "../src/db/schema.js";

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

  it("turns on WAL, foreign keys and a busy timeout", () => {
    const db = openDb({ path: ":memory:" });
    expect(db.sqlite.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(db.sqlite.pragma("busy_timeout", { simple: true })).toBe(5000);
    db.close();
  });
});
