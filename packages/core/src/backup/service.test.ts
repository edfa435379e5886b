import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEngram, type Engram } from "../engram.js";
import { storeInputSchema } from "../memory/schemas.js";
import { inspectDatabaseFile, vacuumInto } from "./store.js";
import { applyKey } from "../db/index.js";

let dir: string;
let engram: Engram;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-backup-"));
  engram = createEngram({ dbPath: path.join(dir, "engram.db"), dataDir: dir, dbSynchronous: "normal", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2 });
});
afterEach(() => {
  engram.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("BackupService", () => {
  it("snapshots the live database into a private temp file that discard() removes", async () => {
    const alice = engram.auth.createUser("alice", undefined, "writer").id;
    for (let i = 0; i < 30; i++) engram.memories.store(alice, storeInputSchema.parse({ content: `Snapshot memory ${i} on host ${i * 13}` }));
    const snap = await engram.backups.snapshot();
    expect(path.dirname(snap.path)).toBe(path.join(dir, "temp"));
    expect(fs.statSync(snap.path).mode & 0o777).toBe(0o600);
    expect(inspectDatabaseFile(snap.path)).toMatchObject({ ok: true, memory_count: 30, user_count: 1, schema_version: snap.schemaVersion });
    snap.discard();
    expect(fs.readdirSync(path.join(dir, "temp"))).toEqual([]);
  });

  it("runs one snapshot at a time: concurrent requests each get their own complete copy", async () => {
    const [a, b] = await Promise.all([engram.backups.snapshot(), engram.backups.snapshot()]);
    expect(a.path).not.toBe(b.path);
    expect(inspectDatabaseFile(a.path).ok && inspectDatabaseFile(b.path).ok).toBe(true);
    a.discard();
    b.discard();
  });

  it("finds stored snapshots by name only", async () => {
    await expect(async () => engram.backups.verifySnapshot("../engram.db")).rejects.toThrow(/^snapshot: /);
    await expect(async () => engram.backups.verifySnapshot("missing.db")).rejects.toThrow("snapshot not found");
    fs.mkdirSync(path.join(dir, "backups", "daily"), { recursive: true });
    const snap = await engram.backups.snapshot();
    fs.copyFileSync(snap.path, path.join(dir, "backups", "daily", "engram-backup-20260101-060000.db"));
    snap.discard();
    expect(await engram.backups.verifySnapshot("engram-backup-20260101-060000.db")).toMatchObject({ ok: true, target: "snapshot" });
  });
});

describe("vacuumInto on an encrypted database", () => {
  it("keeps the source's key: the copy opens with the key and not without it", () => {
    // Keyed as the server keys its database under encryption at rest (cipher sqlcipher, legacy 4).
    const key = "ab".repeat(32);
    const source = path.join(dir, "keyed.db");
    const db = new Database(source);
    applyKey(db, Buffer.from(key, "hex"));
    db.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('DISTINCTIVE_MARKER')");
    db.close();
    const copy = path.join(dir, "keyed-copy.db");
    vacuumInto(source, copy, key);
    expect(fs.readFileSync(copy).includes("DISTINCTIVE_MARKER")).toBe(false);
    expect(inspectDatabaseFile(copy)).toMatchObject({ ok: false, problem: "file is not a database" });
    // With the key it opens (and is found not to be Engram's: it only has `notes`).
    expect(inspectDatabaseFile(copy, key)).toMatchObject({ ok: false, integrity: "ok" });
  });
});
