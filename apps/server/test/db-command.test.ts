import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { filesContaining, hashTree, newDbKey, runServerExpectingExit, writeKeyFile } from "../../../test/support/data-files.js";
import { api, bootstrap, startServer, type RunningServer } from "../../../test/support/server.js";

/**
 * `engram-server db status|encrypt|decrypt|rekey` (platform.md §2.3) on databases a real
 * server made, checked by starting the server on the result and finding every memory.
 */

const NO_EMBEDDER = { ENGRAM_EMBEDDING_PROVIDER: "none" };
const markers = Array.from({ length: 3 }, (_, i) => `zqxdbcmd${i}${randomBytes(5).toString("hex")}`);

/** A plain database with three memories, made by a server run and stopped; returns its folder and admin key. */
async function plainDatabase(): Promise<{ s: RunningServer; key: string }> {
  const s = await startServer(NO_EMBEDDER);
  const key = await bootstrap(s.url);
  for (const m of markers) expect((await api(s.url, key).post("/store", { content: `Locker ${m} holds the spare keys` })).status).toBe(201);
  expect(await s.stop()).toBe(0);
  return { s, key };
}

/** Starts the server on the folder with `env` and finds every memory through /search. */
async function findsEveryMemory(dataDir: string, env: Record<string, string>, key: string) {
  const s = await startServer({ ...NO_EMBEDDER, ...env }, dataDir);
  try {
    for (const m of markers) {
      const res = await api(s.url, key).post("/search", { query: m });
      expect(res.body.results.map((r: { content: string }) => r.content)).toContain(`Locker ${m} holds the spare keys`);
    }
  } finally {
    expect(await s.stop()).toBe(0);
  }
}

const db = (dataDir: string, env: Record<string, string>, ...args: string[]) => runServerExpectingExit(dataDir, env, ["db", ...args]);

describe("engram-server db, from plain to encrypted, rekeyed, and back", () => {
  const oldKey = newDbKey();
  const newKey = newDbKey();
  const oldEnv = { ENGRAM_ENCRYPTION_MODE: "env", ENGRAM_DB_KEY: oldKey };
  let dataDir: string;
  let dbPath: string;
  let adminKey: string;

  it("status of a plain database made by a server run", async () => {
    const { s, key } = await plainDatabase();
    ({ dataDir, dbPath } = s);
    adminKey = key;
    const res = db(dataDir, {}, "status");
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^mode: none\nencrypted: no, schema \d+, \d+\.\d MiB\n$/);
  });

  it("encrypt: the server then starts with the key and finds every memory; the plain copy is kept", async () => {
    const res = db(dataDir, oldEnv, "encrypt");
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    const m = /^encrypted (\d+) tables, (\d+) rows; plain copy kept at (.+\.plain-\d{8}T\d{6}Z\.bak)\n$/.exec(res.stdout);
    expect(m).not.toBeNull();
    const bak = m![3]!;
    expect(bak.startsWith(`${dbPath}.plain-`)).toBe(true);
    expect(fs.readFileSync(bak).subarray(0, 15).toString("latin1")).toBe("SQLite format 3");
    // The markers are in the kept plain copy and nowhere else.
    for (const marker of markers) expect(filesContaining(dataDir, marker)).toEqual([bak]);
    fs.rmSync(bak);
    expect(db(dataDir, oldEnv, "status").stdout).toMatch(/^mode: env\nencrypted: yes \(sqlcipher\), schema \d+, /);
    await findsEveryMemory(dataDir, oldEnv, adminKey);
  });

  it("refuses while the server runs (exit 1), the file unchanged", async () => {
    const s = await startServer({ ...NO_EMBEDDER, ...oldEnv }, dataDir);
    try {
      const before = fs.readFileSync(dbPath);
      for (const args of [["status"], ["rekey", "--new-key-env", "NEW_KEY"], ["decrypt", "--yes"]]) {
        const res = db(dataDir, { ...oldEnv, NEW_KEY: newKey }, ...args);
        expect(res.status).toBe(1);
        expect(res.stderr).toBe("engram-server: the server is running (another process holds the database); stop it first\n");
      }
      expect(fs.readFileSync(dbPath).equals(before)).toBe(true);
    } finally {
      await s.stop();
    }
  });

  it("rekey keeps every memory, and the old key then fails with exit 3", async () => {
    const res = db(dataDir, { ...oldEnv, NEW_KEY: newKey }, "rekey", "--new-key-env", "NEW_KEY");
    expect(res.stderr).toBe("");
    expect(res.stdout).toBe("rekeyed\n");
    expect(res.status).toBe(0);
    const keyfile = writeKeyFile(newKey);
    await findsEveryMemory(dataDir, { ENGRAM_ENCRYPTION_MODE: "keyfile", ENGRAM_KEYFILE: keyfile }, adminKey);
    const before = hashTree(dataDir);
    const old = runServerExpectingExit(dataDir, oldEnv);
    expect(old.status).toBe(3);
    expect(old.stderr).toBe(`engram-server: cannot open ${dbPath}: wrong encryption key or not an encrypted database (ENGRAM_ENCRYPTION_MODE=env)\n`);
    expect(hashTree(dataDir)).toEqual(before);
    // A db command with the old key is a key problem too.
    expect(db(dataDir, oldEnv, "status").status).toBe(3);
  });

  it("decrypt needs --yes, then gives a plain database the server opens in mode none", async () => {
    const newEnv = { ENGRAM_ENCRYPTION_MODE: "env", ENGRAM_DB_KEY: newKey };
    const unconfirmed = db(dataDir, newEnv, "decrypt");
    expect(unconfirmed.status).toBe(2);
    expect(unconfirmed.stderr).toMatch(/^engram-server: db decrypt writes every memory in the clear; confirm with --yes\n/);
    const res = db(dataDir, newEnv, "decrypt", "--yes");
    expect(res.stderr).toBe("");
    expect(res.stdout).toMatch(/^decrypted \d+ tables, \d+ rows; encrypted copy kept at .+\.encrypted-\d{8}T\d{6}Z\.bak\n$/);
    expect(fs.readFileSync(dbPath).subarray(0, 15).toString("latin1")).toBe("SQLite format 3");
    await findsEveryMemory(dataDir, {}, adminKey);
  });
});

describe("engram-server db, other cases", () => {
  it("encrypt --delete-plain leaves the markers in no file of the data folder", async () => {
    const { s, key } = await plainDatabase();
    const env = { ENGRAM_ENCRYPTION_MODE: "keyfile", ENGRAM_KEYFILE: writeKeyFile(newDbKey()) };
    const res = db(s.dataDir, env, "encrypt", "--delete-plain");
    expect(res.stdout).toMatch(/^encrypted \d+ tables, \d+ rows; plain copy deleted\n$/);
    for (const marker of markers) expect(filesContaining(s.dataDir, marker)).toEqual([]);
    await findsEveryMemory(s.dataDir, env, key);
    // Encrypting twice is refused, the file unchanged.
    const before = hashTree(s.dataDir);
    const again = db(s.dataDir, env, "encrypt");
    expect(again.status).toBe(1);
    expect(again.stderr).toBe(`engram-server: ${s.dbPath} is already encrypted\n`);
    expect(hashTree(s.dataDir)).toEqual(before);
  });

  it.each([
    [["frobnicate"], /unknown db command "frobnicate"/],
    [["encrypt", "--yes"], /db encrypt takes no --yes/],
    [["rekey"], /exactly one of --new-key-env NAME or --new-keyfile PATH/],
    [["rekey", "deadbeef"], /unexpected argument "deadbeef"/],
  ])("usage errors exit 2: %j", (args, message) => {
    const res = db(fs.mkdtempSync("/tmp/engram-db-"), {}, ...args);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(message);
  });

  it("a folder without a database: exit 1 naming the file, nothing created", () => {
    const dataDir = fs.mkdtempSync("/tmp/engram-db-");
    const res = db(dataDir, {}, "status");
    expect(res.status).toBe(1);
    expect(res.stderr).toBe(`engram-server: no database at ${dataDir}/engram.db\n`);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it("encrypt without a configured key is a key problem (exit 3)", () => {
    const dataDir = fs.mkdtempSync("/tmp/engram-db-");
    fs.writeFileSync(`${dataDir}/engram.db`, "");
    const res = db(dataDir, {}, "encrypt");
    expect(res.status).toBe(3);
    expect(res.stderr).toBe("engram-server: db encrypt needs a key: set ENGRAM_ENCRYPTION_MODE (keyfile or env) and its key\n");
  });

  it("--help lists the db commands and the encryption variables", () => {
    const res = runServerExpectingExit(fs.mkdtempSync("/tmp/engram-db-"), {}, ["--help"]);
    expect(res.status).toBe(0);
    for (const text of ["db status", "db encrypt [--delete-plain]", "db decrypt --yes", "db rekey --new-key-env NAME | --new-keyfile PATH"]) {
      expect(res.stdout).toContain(text);
    }
    for (const name of ["ENGRAM_ENCRYPTION_MODE", "ENGRAM_KEYFILE", "ENGRAM_DB_KEY"]) expect(res.stdout).toContain(name);
  });
});
