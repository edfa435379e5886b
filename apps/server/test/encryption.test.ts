import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { filesContaining, hashTree, newDbKey, runServerExpectingExit, writeKeyFile } from "../../../test/support/data-files.js";
import { api, bootstrap, startServer, tempDir } from "../../../test/support/server.js";

/**
 * Encryption at rest (platform.md §2) over the real server: the content of a memory is in no
 * file of the data folder, while the server runs and after it stopped; a wrong or missing key
 * stops start-up with one line and exit 3 and leaves every file as it was.
 */

const marker = () => `zqxmarker${randomBytes(6).toString("hex")}`;

/** Stores a memory holding the marker; returns the admin key. */
async function storeMarker(url: string, text: string): Promise<string> {
  const key = await bootstrap(url);
  const res = await api(url, key).post("/store", { content: `The vault combination is ${text}, kept in the basement`, tags: [text] });
  expect(res.status).toBe(201);
  return key;
}

async function findsMarker(url: string, key: string, text: string) {
  const res = await api(url, key).post("/search", { query: text });
  expect(res.status).toBe(200);
  expect(res.body.results.map((r: { content: string }) => r.content)).toEqual([expect.stringContaining(text)]);
}

describe.each([
  ["env", (k: string) => ({ ENGRAM_ENCRYPTION_MODE: "env", ENGRAM_DB_KEY: k })],
  ["keyfile", (k: string) => ({ ENGRAM_ENCRYPTION_MODE: "keyfile", ENGRAM_KEYFILE: writeKeyFile(k) })],
])("mode %s", (_mode, envOf) => {
  it("keeps a stored marker out of every file of the data folder, running and stopped, and finds it with the right key", async () => {
    const hexKey = newDbKey();
    const env = { ...envOf(hexKey), ENGRAM_EMBEDDING_PROVIDER: "none" };
    const text = marker();
    const s = await startServer(env);
    let key: string;
    try {
      key = await storeMarker(s.url, text);
      // While it runs the store sits in the WAL: that file is encrypted too.
      expect(fs.existsSync(`${s.dbPath}-wal`)).toBe(true);
      expect(filesContaining(s.dataDir, text)).toEqual([]);
    } finally {
      expect(await s.stop()).toBe(0);
    }
    expect(filesContaining(s.dataDir, text)).toEqual([]);
    expect(fs.readFileSync(s.dbPath).subarray(0, 15).toString("latin1")).not.toBe("SQLite format 3");

    const again = await startServer(env, s.dataDir);
    try {
      await findsMarker(again.url, key, text);
    } finally {
      await again.stop();
    }
  });
});

describe("backups under encryption", () => {
  it("GET /backup is encrypted with the database's key and verifies with it", async () => {
    const env = { ENGRAM_ENCRYPTION_MODE: "env", ENGRAM_DB_KEY: newDbKey(), ENGRAM_EMBEDDING_PROVIDER: "none" };
    const text = marker();
    const s = await startServer(env);
    try {
      const key = await storeMarker(s.url, text);
      const res = await fetch(`${s.url}/backup`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-engram-encrypted")).toBe("true");
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.includes(text)).toBe(false);
      expect(bytes.subarray(0, 15).toString("latin1")).not.toBe("SQLite format 3");
      const verified = await fetch(`${s.url}/backup/verify`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/octet-stream" }, body: bytes });
      expect(verified.status).toBe(200);
      expect(await verified.json()).toMatchObject({ ok: true, encrypted: true });
    } finally {
      await s.stop();
    }
  });
});

describe("a wrong or missing key", () => {
  /** A database a real server run encrypted with `hexKey` (or left plain without one), stopped. */
  async function databaseMadeBy(env: Record<string, string>) {
    const s = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ...env });
    await storeMarker(s.url, marker());
    expect(await s.stop()).toBe(0);
    return s;
  }

  it("wrong key: one line naming the file, exit 3, every file unchanged", async () => {
    const s = await databaseMadeBy({ ENGRAM_ENCRYPTION_MODE: "env", ENGRAM_DB_KEY: newDbKey() });
    const before = hashTree(s.dataDir);
    const res = runServerExpectingExit(s.dataDir, { ENGRAM_ENCRYPTION_MODE: "env", ENGRAM_DB_KEY: newDbKey() });
    expect(res.status).toBe(3);
    expect(res.stderr).toBe(
      `engram-server: cannot open ${s.dbPath}: wrong encryption key or not an encrypted database (ENGRAM_ENCRYPTION_MODE=env)\n`,
    );
    expect(hashTree(s.dataDir)).toEqual(before);
  });

  it("a plain database opened with a key: the same line, exit 3, unchanged", async () => {
    const s = await databaseMadeBy({});
    const before = hashTree(s.dataDir);
    const res = runServerExpectingExit(s.dataDir, { ENGRAM_ENCRYPTION_MODE: "keyfile", ENGRAM_KEYFILE: writeKeyFile(newDbKey()) });
    expect(res.status).toBe(3);
    expect(res.stderr).toBe(
      `engram-server: cannot open ${s.dbPath}: wrong encryption key or not an encrypted database (ENGRAM_ENCRYPTION_MODE=keyfile)\n`,
    );
    expect(hashTree(s.dataDir)).toEqual(before);
  });

  it("an encrypted database opened in mode none: exit 3 telling to set the mode, unchanged", async () => {
    const s = await databaseMadeBy({ ENGRAM_ENCRYPTION_MODE: "env", ENGRAM_DB_KEY: newDbKey() });
    const before = hashTree(s.dataDir);
    const res = runServerExpectingExit(s.dataDir, {});
    expect(res.status).toBe(3);
    expect(res.stderr).toBe(`engram-server: ${s.dbPath} is encrypted; set ENGRAM_ENCRYPTION_MODE and its key\n`);
    expect(hashTree(s.dataDir)).toEqual(before);
  });

  it("refuses a key file others may read, naming it and the fix, and leaves its mode alone", () => {
    const keyfile = writeKeyFile(newDbKey(), 0o644);
    const dataDir = tempDir();
    const res = runServerExpectingExit(dataDir, { ENGRAM_ENCRYPTION_MODE: "keyfile", ENGRAM_KEYFILE: keyfile });
    expect(res.status).toBe(3);
    expect(res.stderr).toBe(`engram-server: key file ${keyfile} has mode 644: group or others may read it; run chmod 600 ${keyfile}\n`);
    expect(fs.statSync(keyfile).mode & 0o777).toBe(0o644);
    // Nothing was created: the key is checked before the database.
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it.each([
    ["a missing key file", { ENGRAM_ENCRYPTION_MODE: "keyfile", ENGRAM_KEYFILE: "/nonexistent/dbkey" }, "key file /nonexistent/dbkey does not exist"],
    ["a key of 31 characters", { ENGRAM_ENCRYPTION_MODE: "env", ENGRAM_DB_KEY: "a".repeat(31) }, "ENGRAM_DB_KEY must be 64 hex characters (32 bytes), got 31 characters"],
    ["an unset key", { ENGRAM_ENCRYPTION_MODE: "env" }, "ENGRAM_DB_KEY must be 64 hex characters (32 bytes), but it is not set"],
  ])("%s: one line, exit 3, the value never printed", (_what, env, message) => {
    const res = runServerExpectingExit(tempDir(), env);
    expect(res.status).toBe(3);
    expect(res.stderr.split("\n")).toEqual([expect.stringContaining(`engram-server: ${message}`), ""]);
    if ("ENGRAM_DB_KEY" in env) expect(res.stderr).not.toContain(env.ENGRAM_DB_KEY);
  });

  it("an unknown mode is a configuration error: exit 2 naming the variable", () => {
    const res = runServerExpectingExit(tempDir(), { ENGRAM_ENCRYPTION_MODE: "aes" });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/^engram-server: invalid ENGRAM_ENCRYPTION_MODE="aes": /);
  });
});

describe("the LanceDB index under encryption", () => {
  it("is off unless ENGRAM_USE_LANCE_INDEX=1, which logs the one warning", async () => {
    const env = { ENGRAM_ENCRYPTION_MODE: "env", ENGRAM_DB_KEY: newDbKey(), ENGRAM_EMBEDDING_PROVIDER: "none" };
    const off = await startServer(env);
    await off.stop();
    expect(off.logs.join("\n")).not.toContain("vector index files are not encrypted");
    const on = await startServer({ ...env, ENGRAM_USE_LANCE_INDEX: "1" }, off.dataDir);
    await on.stop();
    expect(on.logs.filter((l) => l.includes("vector index files are not encrypted"))).toHaveLength(1);
    expect(fs.existsSync(path.join(off.dataDir, "lance"))).toBe(false);
  });
});
