import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEngram, type Engram } from "../engram.js";
import { storeInputSchema } from "../memory/schemas.js";
import { simhash } from "../memory/simhash.js";
import { lexicalSearch } from "../search/lexical.js";
import { LexicalStore } from "../search/store.js";
import { ManualClock } from "../util/clock.js";
import { runMigrations } from "./connection.js";
import { lexicalTable } from "./lexical-tables.js";
import { MIGRATIONS } from "./migrations.js";

/**
 * Migration 10 replaces the FTS5 table all tenants shared (kept by triggers) with one table per
 * tenant. A database made by the previous schema (migrations 1-9, written as the store wrote
 * then: plain inserts and deletes, the triggers keeping the shared index) is upgraded and must
 * answer exactly as a database that was per-tenant from the start.
 */

const BEFORE = MIGRATIONS.filter((m) => m.version < 10);
const UPGRADE = MIGRATIONS.find((m) => m.version === 10)!;
const NOW = "2025-06-01T12:00:00.000Z";

// Each memory carries a word of its own (tokN) so it can be looked for alone.
const MEMORIES: [tenant: "alice" | "bob", content: string][] = [
  ["alice", "The billing database backup runs nightly at 02:00 tok1"],
  ["bob", "The billing database of bob lives in Frankfurt tok2"],
  ["alice", "Production PostgreSQL lives at db-prod-3.internal port 5433 tok3"],
  ["bob", "Bob keeps database backups for ninety days, database database tok4"],
  ["alice", "Anna prefers dark mode in the database console tok5"],
  ["bob", "The payments gateway talks gRPC to the billing service tok6"],
  ["alice", "A memory alice deletes before the upgrade tok7"],
  ["alice", "Ben moved the staging database to a new host tok8"],
];
const DELETED = 7;
const QUERIES = ["billing database backup", "database", "payments gateway billing", "lives in Frankfurt", "host port"];

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-lexical-migration-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A database file as the previous schema made it, with MEMORIES stored and one deleted; returns the users' ids. */
function oldDatabase(file: string): { alice: number; bob: number } {
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  runMigrations(sqlite, BEFORE);
  const user = sqlite.prepare("INSERT INTO users (username, role, created_at) VALUES (?, 'writer', ?)");
  const ids = { alice: Number(user.run("alice", NOW).lastInsertRowid), bob: Number(user.run("bob", NOW).lastInsertRowid) };
  const insert = sqlite.prepare("INSERT INTO memories (user_id, content, simhash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)");
  for (const [tenant, content] of MEMORIES) insert.run(ids[tenant], content, simhash(content), NOW, NOW);
  sqlite.prepare("DELETE FROM memories WHERE id = ?").run(DELETED);
  sqlite.close();
  return ids;
}

const open = (file: string) =>
  createEngram({ dbPath: file, dbSynchronous: "normal", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2 }, { clock: new ManualClock(new Date(NOW)) });

/** Every query's BM25 hits for the tenant, named by content (ids may differ between databases), with their scores. */
function answers(engram: Engram, userId: number) {
  const lexical = new LexicalStore(engram.db);
  return QUERIES.map((q) =>
    lexicalSearch(lexical, userId, q, 20).map((h) => ({ content: engram.memories.find(userId, h.id)!.content, bm25: h.bm25 })),
  );
}

describe("migration 10: the shared lexical index becomes one per tenant", () => {
  it("upgrades a database of the previous schema: every memory found by its tenant only, with a fresh database's results", () => {
    const file = path.join(dir, "old.db");
    const old = oldDatabase(file);
    const upgraded = open(file);
    const fresh = open(path.join(dir, "fresh.db"));
    try {
      const sqlite = upgraded.db.sqlite;
      const tables = sqlite.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN (?, ?, ?) ORDER BY name").all("memories_fts", lexicalTable(old.alice), lexicalTable(old.bob));
      expect(tables).toEqual([{ name: lexicalTable(old.alice) }, { name: lexicalTable(old.bob) }]);
      expect(sqlite.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE 'memories_fts%'").all()).toEqual([]);
      expect(sqlite.prepare("SELECT max(version) AS v FROM schema_migrations").get()).toEqual({ v: MIGRATIONS.at(-1)!.version });

      const lexical = new LexicalStore(upgraded.db);
      MEMORIES.forEach(([tenant, content], i) => {
        const id = i + 1;
        const other = tenant === "alice" ? old.bob : old.alice;
        const token = content.split(" ").at(-1)!;
        expect(lexicalSearch(lexical, old[tenant], token, 10).map((h) => h.id), content).toEqual(id === DELETED ? [] : [id]);
        expect(lexicalSearch(lexical, other, token, 10), content).toEqual([]);
        // Not even in the other tenant's index, where its words would count in their statistics.
        expect(sqlite.prepare(`SELECT rowid FROM ${lexicalTable(other)} WHERE rowid = ?`).all(id), content).toEqual([]);
      });

      const freshIds = { alice: fresh.auth.createUser("alice", undefined, "writer").id, bob: fresh.auth.createUser("bob", undefined, "writer").id };
      MEMORIES.forEach(([tenant, content], i) => {
        const r = fresh.memories.store(freshIds[tenant], storeInputSchema.parse({ content }));
        if (r.kind !== "stored") throw new Error(`not stored: ${content}`);
        if (i + 1 === DELETED) fresh.memories.delete(freshIds[tenant], r.memory.id);
      });
      for (const tenant of ["alice", "bob"] as const) {
        const got = answers(upgraded, old[tenant]);
        expect(got.flat().length, tenant).toBeGreaterThan(0);
        expect(got, tenant).toEqual(answers(fresh, freshIds[tenant]));
      }
    } finally {
      upgraded.close();
      fresh.close();
    }
  });

  it("leaves the old database intact when the upgrade fails midway", () => {
    const file = path.join(dir, "old.db");
    const old = oldDatabase(file);
    const sqlite = new Database(file);
    const sharedHits = () =>
      sqlite.prepare("SELECT rowid AS id, bm25(memories_fts) AS score FROM memories_fts WHERE memories_fts MATCH 'database' ORDER BY rowid").all();
    const schema = () => sqlite.prepare("SELECT type, name, sql FROM sqlite_schema ORDER BY name").all();
    try {
      const hitsBefore = sharedHits();
      const schemaBefore = schema();
      expect(hitsBefore.length).toBeGreaterThan(0);
      // The real migration, made to fail after it has dropped the shared index and built the tenants' tables.
      const failing = {
        ...UPGRADE,
        run: (s: Database.Database) => {
          UPGRADE.run!(s);
          throw new Error("fake failure after the tenant tables were built");
        },
      };
      expect(() => runMigrations(sqlite, [...BEFORE, failing])).toThrow("fake failure");
      expect(schema()).toEqual(schemaBefore);
      expect(sharedHits()).toEqual(hitsBefore);
      expect(sqlite.prepare("SELECT max(version) AS v FROM schema_migrations").get()).toEqual({ v: 9 });
      // The triggers still keep the shared index: a write after the failed upgrade is indexed.
      sqlite
        .prepare("INSERT INTO memories (user_id, content, simhash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
        .run(old.bob, "a database write after the failure", simhash("a database write after the failure"), NOW, NOW);
      expect(sharedHits().length).toBe(hitsBefore.length + 1);
    } finally {
      sqlite.close();
    }
    // And the real upgrade still runs afterwards.
    const upgraded = open(file);
    try {
      expect(lexicalSearch(new LexicalStore(upgraded.db), old.bob, "write after the failure", 10).length).toBe(1);
    } finally {
      upgraded.close();
    }
  });
});
