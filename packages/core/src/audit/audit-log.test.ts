import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "../db/connection.js";
import { AuditedRequest, AuditLog, UNANSWERED_STATUS } from "./audit-log.js";
import { ManualClock } from "../util/clock.js";

let db: Db;
let clock: ManualClock;
let audit: AuditLog;

beforeEach(() => {
  db = openDb({ path: ":memory:" });
  clock = new ManualClock(new Date("2030-05-01T10:00:05.000Z"));
  audit = new AuditLog({ db, clock });
});
afterEach(() => db.close());

const refusal = (remoteAddr: string, status = 401, keyId: number | null = null) => ({ remoteAddr, status, keyId, userId: keyId === null ? null : 2 });
const rows = () => db.sqlite.prepare("SELECT route, method, status, remote_addr, key_id, created_at, count FROM audit_log ORDER BY id").all();

describe("counted refusals in the audit log", () => {
  it("are one row per address, minute, status and key, updated rather than inserted", () => {
    for (let i = 0; i < 500; i++) audit.recordRefusal(refusal("10.0.0.9"));
    audit.recordRefusal(refusal("10.0.0.9", 429));
    audit.recordRefusal(refusal("10.0.0.8"));
    audit.recordRefusal(refusal("10.0.0.9", 429, 7));
    audit.flush();
    for (let i = 0; i < 250; i++) audit.recordRefusal(refusal("10.0.0.9"));
    audit.flush();
    clock.advance(60_000);
    audit.recordRefusal(refusal("10.0.0.9"));
    audit.flush();
    const minute = "2030-05-01T10:00:00.000Z";
    const next = "2030-05-01T10:01:00.000Z";
    expect(rows()).toEqual([
      { route: "*", method: "*", status: 401, remote_addr: "10.0.0.9", key_id: null, created_at: minute, count: 750 },
      { route: "*", method: "*", status: 429, remote_addr: "10.0.0.9", key_id: null, created_at: minute, count: 1 },
      { route: "*", method: "*", status: 401, remote_addr: "10.0.0.8", key_id: null, created_at: minute, count: 1 },
      { route: "*", method: "*", status: 429, remote_addr: "10.0.0.9", key_id: 7, created_at: minute, count: 1 },
      { route: "*", method: "*", status: 401, remote_addr: "10.0.0.9", key_id: null, created_at: next, count: 1 },
    ]);
  });

  it("are written before a later single row and before any read, so the log stays in order", () => {
    audit.recordRefusal(refusal("10.0.0.9"));
    audit.record({ userId: 1, keyId: 1, method: "POST", route: "/store", targetIds: [3], status: 201, remoteAddr: "127.0.0.1" });
    audit.recordRefusal(refusal("10.0.0.7"));
    const listed = audit.list({ limit: 10 });
    expect(listed.map((r) => [r.route, r.remoteAddr, r.count])).toEqual([
      ["*", "10.0.0.7", 1],
      ["/store", "127.0.0.1", 1],
      ["*", "10.0.0.9", 1],
    ]);
  });
});

describe("a request's row in its mutation's transaction", () => {
  const who = { userId: 1, keyId: 1, method: "POST", route: "/store", targetIds: [], remoteAddr: "127.0.0.1" };
  let n = 0;
  const write = () => db.sqlite.transaction(() => db.sqlite.prepare("INSERT INTO spaces (user_id, name, created_at) VALUES (1, ?, 'now')").run(`s${n++}`))();
  const spaces = () => (db.sqlite.prepare("SELECT count(*) AS n FROM spaces").get() as { n: number }).n;

  beforeEach(() => {
    db.sqlite.prepare("INSERT INTO users (id, username, role, created_at) VALUES (1, 'admin', 'admin', 'now')").run();
  });

  it("is written by the first outermost transaction only, then answered once", async () => {
    const request = new AuditedRequest(() => who);
    await audit.run(request, async () => {
      db.sqlite.transaction(() => {
        write(); // nested: a savepoint, no row of its own
        expect(rows()).toEqual([]);
      })();
      expect(rows()).toMatchObject([{ route: "/store", status: UNANSWERED_STATUS }]);
      write();
    });
    audit.answer(request, { ...who, targetIds: [7], status: 201 });
    expect(rows()).toMatchObject([{ route: "/store", status: 201 }]);
    expect(spaces()).toBe(2);
  });

  it("rolls back with a transaction that fails, and the answer then writes the whole row", async () => {
    const request = new AuditedRequest(() => who);
    db.commitHooks.beforeCommit.push(() => {
      throw new Error("disk full");
    });
    await audit.run(request, async () => expect(write).toThrow("disk full"));
    expect(rows()).toEqual([]);
    expect(spaces()).toBe(0);
    audit.answer(request, { ...who, status: 500 });
    expect(rows()).toMatchObject([{ route: "/store", status: 500 }]);
  });

  it("writes nothing for a request that is not an audited mutation, nor outside any request", async () => {
    await audit.run(new AuditedRequest(() => null), async () => write());
    write();
    expect(rows()).toEqual([]);
  });
});
