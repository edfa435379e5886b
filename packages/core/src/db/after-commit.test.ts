import { afterEach, beforeEach, expect, it } from "vitest";
import { openDb, type Db } from "./connection.js";

let db: Db;
beforeEach(() => {
  db = openDb({ path: ":memory:" });
  db.sqlite.exec("CREATE TABLE t (v TEXT)");
});
afterEach(() => db.close());

const write = (v: string) => db.sqlite.prepare("INSERT INTO t (v) VALUES (?)").run(v);

it("runs at once outside a transaction, and after the outermost commit inside one", () => {
  const ran: string[] = [];
  db.afterCommit(() => ran.push("outside"));
  expect(ran).toEqual(["outside"]);
  db.sqlite.transaction(() => {
    write("a");
    db.afterCommit(() => ran.push("outer"));
    db.sqlite.transaction(() => db.afterCommit(() => ran.push("inner")))();
    expect(ran).toEqual(["outside"]);
  })();
  expect(ran).toEqual(["outside", "outer", "inner"]);
});

it("drops what a rolled-back transaction queued, and only what its failed savepoint queued", () => {
  const ran: string[] = [];
  expect(() =>
    db.sqlite.transaction(() => {
      write("a");
      db.afterCommit(() => ran.push("rolled back"));
      throw new Error("fails");
    })(),
  ).toThrow("fails");
  db.sqlite.transaction(() => {
    db.afterCommit(() => ran.push("kept"));
    try {
      db.sqlite.transaction(() => {
        db.afterCommit(() => ran.push("savepoint rolled back"));
        throw new Error("inner fails");
      })();
    } catch {
      // The outer transaction goes on without the savepoint.
    }
  })();
  expect(ran).toEqual(["kept"]);
  expect(db.sqlite.prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 0 });
});
