import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "./connection.js";
import { unsyncedCommits } from "./unsynced-commits.js";

let dir: string;
let db: Db;
const level = () => db.sqlite.pragma("synchronous", { simple: true });

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-unsynced-"));
  db = openDb({ path: path.join(dir, "engram.db") });
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("unsynced commits", () => {
  it("commit without waiting for the disk, and every write after them waits again (FULL)", () => {
    expect(level()).toBe(2);
    expect(unsyncedCommits(db, () => level())).toBe(1);
    expect(level()).toBe(2);
  });

  it("put FULL back when the write throws", () => {
    expect(() =>
      unsyncedCommits(db, () => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(level()).toBe(2);
  });

  it("leave a connection opened with NORMAL as it was", () => {
    db.close();
    db = openDb({ path: path.join(dir, "normal.db"), synchronous: "normal" });
    expect(unsyncedCommits(db, () => level())).toBe(1);
    expect(level()).toBe(1);
  });
});
