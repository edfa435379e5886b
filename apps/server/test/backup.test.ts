import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectDatabaseFile, openDb } from "@engram/core";
import { api, bootstrap, rawRequest, startServer, tempDir, type RunningServer } from "../../../test/support/server.js";
import { newTenant, type Client, type Tenant } from "../../../test/support/tenants.js";

/**
 * GET /backup and POST /backup/verify (contracts/platform.md §4.1, §4.2), black-box: a snapshot
 * taken while another client keeps storing opens, passes integrity_check and holds every memory
 * acknowledged before it was asked for; verify accepts it and refuses damaged files with 422.
 */
const UPLOAD_LIMIT = 32 * 1024 * 1024;
let server: RunningServer;
let admin: Client;
let adminKey: string;
let alice: Tenant;
const scratch = tempDir("engram-backup-test-");

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_INTELLIGENCE_JOBS: "0", ENGRAM_MAX_BACKUP_UPLOAD_BYTES: String(UPLOAD_LIMIT) });
  adminKey = await bootstrap(server.url);
  admin = api(server.url, adminKey);
  alice = await newTenant(server.url, admin, "alice");
});
afterAll(async () => {
  await server.stop();
});

const download = async (key = adminKey) => {
  const res = await fetch(`${server.url}/backup`, { headers: { authorization: `Bearer ${key}` } });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
};
const upload = (bytes: Buffer) =>
  fetch(`${server.url}/backup/verify`, { method: "POST", headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/octet-stream" }, body: bytes }).then(
    async (r) => ({ status: r.status, body: (await r.json()) as any }),
  );
const tempFiles = () => {
  const dir = path.join(server.dataDir, "temp");
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
};
async function until(what: string, done: () => boolean) {
  for (let i = 0; i < 200; i++) {
    if (done()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not reached`);
}

describe("GET /backup", () => {
  let backup: Buffer;
  let acknowledged: number[];

  it("taken while another client stores: opens, passes integrity_check, holds every memory acknowledged before it was asked for", async () => {
    const stored: number[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const r = await alice.api.post("/store", { content: `Concurrent write number ${i} about host web-${i * 31} in rack ${i % 7}` });
        expect(r.status).toBe(201);
        stored.push(r.body.id);
      }
    })();
    await until("some writes acknowledged", () => stored.length >= 20);
    acknowledged = [...stored];
    const { res, bytes } = await download();
    writing = false;
    await writer;
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="engram-backup-\d{8}-\d{6}\.db"$/);
    expect(res.headers.get("x-engram-encrypted")).toBe("false");
    expect(Number(res.headers.get("x-engram-schema-version"))).toBeGreaterThanOrEqual(23);
    expect(bytes.subarray(0, 16).toString("latin1")).toBe("SQLite format 3\0");
    backup = bytes;

    const file = path.join(scratch, "backup.db");
    fs.writeFileSync(file, bytes);
    expect(inspectDatabaseFile(file)).toMatchObject({ ok: true, integrity: "ok", user_count: 2 });
    const db = openDb({ path: file });
    const ids = new Set((db.sqlite.prepare("SELECT id FROM memories").pluck().all() as number[]));
    db.close();
    expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
    // Writes went on during the snapshot: the live database has more than the snapshot held at least once.
    expect(stored.length).toBeGreaterThan(acknowledged.length);
  });

  it("leaves no temp file behind, after a full download or a client that goes away", async () => {
    await until("temp folder empty", () => tempFiles().length === 0);
    const controller = new AbortController();
    const res = await fetch(`${server.url}/backup`, { headers: { authorization: `Bearer ${adminKey}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    controller.abort();
    await until("temp folder empty after the abort", () => tempFiles().length === 0);
  });

  it("is admin only", async () => {
    const { res } = await download(alice.key);
    expect(res.status).toBe(403);
    expect(JSON.parse((await download(alice.key)).bytes.toString())).toEqual({ error: expect.stringMatching(/admin/) });
  });

  describe("POST /backup/verify", () => {
    it("accepts the backup it was given", async () => {
      const res = await upload(backup);
      expect(res.status).toBe(200);
      const file = path.join(scratch, "backup.db");
      const counts = inspectDatabaseFile(file);
      expect(res.body).toEqual({
        ok: true,
        integrity: "ok",
        target: "upload",
        encrypted: false,
        schema_version: (counts as any).schema_version,
        memory_count: (counts as any).memory_count,
        user_count: 2,
        size_bytes: backup.length,
      });
      expect(tempFiles()).toEqual([]);
    });

    it("refuses a non-SQLite file with 422", async () => {
      const res = await upload(Buffer.from("these are not the bytes of a database, only words that go on for a while ".repeat(20)));
      expect(res).toEqual({ status: 422, body: { error: "not a valid Engram backup: file is not a database", ok: false, integrity: "file is not a database" } });
    });

    it("refuses a truncated backup with 422", async () => {
      const res = await upload(backup.subarray(0, Math.floor(backup.length / 2)));
      expect(res.status).toBe(422);
      expect(res.body.ok).toBe(false);
      expect(res.body.error).toMatch(/^not a valid Engram backup: /);
    });

    it("refuses a corrupted backup with 422", async () => {
      const damaged = Buffer.from(backup);
      // Overwrite every page after the first with noise, but keep the header: it opens, then fails the check.
      for (let i = 4096; i < damaged.length; i += 97) damaged[i] = (damaged[i]! + 101) & 0xff;
      const res = await upload(damaged);
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ ok: false });
      expect(res.body.integrity).not.toBe("ok");
    });

    it("refuses a SQLite database that is not Engram's with 422", async () => {
      const file = path.join(scratch, "other.db");
      const db = openDb({ path: ":memory:" });
      db.sqlite.prepare("ATTACH ? AS other").run(file);
      db.sqlite.exec("CREATE TABLE other.notes (body TEXT); INSERT INTO other.notes VALUES ('hello')");
      db.sqlite.exec("DETACH other");
      db.close();
      const res = await upload(fs.readFileSync(file));
      expect(res).toEqual({
        status: 422,
        body: { error: "not a valid Engram backup: not an Engram database (no memories, users, schema_migrations table)", ok: false, integrity: "ok" },
      });
    });

    it("checks the live database with no body or {}", async () => {
      for (const body of [undefined, {}]) {
        const res = await admin.raw("POST", "/backup/verify", body);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ ok: true, integrity: "ok", target: "live", user_count: 2 });
      }
    });

    it("refuses a snapshot name that is a path (400 naming the field) and answers 404 for an unknown one", async () => {
      for (const name of ["../engram.db", "a/b.db", "a\\b.db"]) {
        const res = await admin.post("/backup/verify", { snapshot: name });
        expect(res.status).toBe(400);
        expect(res.body.error).toMatch(/^snapshot: /);
      }
      expect((await admin.post("/backup/verify", { snapshot: "engram-backup-20260101-060000.db" })).status).toBe(404);
      expect((await admin.post("/backup/verify", { snapshot: 7 })).body.error).toMatch(/^snapshot: /);
    });

    it("is admin only", async () => {
      const res = await fetch(`${server.url}/backup/verify`, { method: "POST", headers: { authorization: `Bearer ${alice.key}`, "content-type": "application/octet-stream" }, body: backup });
      expect(res.status).toBe(403);
    });

    it("refuses an upload past ENGRAM_MAX_BACKUP_UPLOAD_BYTES with 413", async () => {
      // Declared, not sent: the limit is checked on Content-Length before the body is read.
      const res = await rawRequest(`${server.url}/backup/verify`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/octet-stream", "content-length": String(UPLOAD_LIMIT + 1) },
      });
      expect(res.status).toBe(413);
      expect(tempFiles()).toEqual([]);
    });
  });
});
