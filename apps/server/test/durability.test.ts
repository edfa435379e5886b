import { lexicalTable, openDb } from "@engram/core";
import { describe, expect, it } from "vitest";
import { api, bootstrap, startServer } from "../../../test/support/server.js";

describe("durability", () => {
  it("keeps every acknowledged store when the server is killed with SIGKILL mid-write", async () => {
    const first = await startServer();
    const key = await bootstrap(first.url);
    const c = api(first.url, key);
    const acknowledged: number[] = [];
    const tokens = new Map<number, string>();
    let stop = false;
    // Four writers keep stores in flight so the kill lands in the middle of writes.
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const token = `token${w}x${i}`;
          const res = await c.post("/store", { content: `writer ${w} stores memory ${i}: ${"filler ".repeat(i % 20)} ${token}` });
          if (res.status === 201) {
            acknowledged.push(res.body.id);
            tokens.set(res.body.id, token);
          }
        } catch {
          return; // the connection died with the server
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    while (acknowledged.length < 150) await new Promise((r) => setTimeout(r, 10));
    first.proc.kill("SIGKILL");
    await first.stop();
    stop = true;
    await Promise.all(writers);
    expect(acknowledged.length).toBeGreaterThanOrEqual(150);

    const second = await startServer({}, first.dataDir);
    try {
      const c2 = api(second.url, key);
      for (const id of acknowledged) {
        const res = await c2.get(`/memory/${id}`);
        expect(res.status, `memory ${id}`).toBe(200);
      }
      // Lexical index rows survived with their memories (same transaction).
      for (const id of [acknowledged[0]!, acknowledged.at(-1)!]) {
        const hits = (await c2.post("/search", { query: tokens.get(id)!, limit: 5, channels: ["fts"] })).body.results;
        expect(hits.map((h: { id: number }) => h.id)).toEqual([id]);
      }
    } finally {
      await second.stop();
    }
    const db = openDb({ path: first.dbPath });
    try {
      expect(db.sqlite.pragma("integrity_check", { simple: true })).toBe("ok");
      // Each tenant's lexical index is consistent (an inconsistency throws SQLITE_CORRUPT_VTAB) and holds exactly its memories.
      const tenants = db.sqlite.prepare("SELECT DISTINCT user_id AS userId FROM memories").all() as { userId: number }[];
      expect(tenants.length).toBeGreaterThan(0);
      for (const { userId } of tenants) {
        const fts = lexicalTable(userId);
        expect(() => db.sqlite.prepare(`INSERT INTO ${fts}(${fts}, rank) VALUES ('integrity-check', 1)`).run()).not.toThrow();
        const indexed = db.sqlite.prepare(`SELECT rowid AS id FROM ${fts} ORDER BY rowid`).all();
        expect(indexed).toEqual(db.sqlite.prepare("SELECT id FROM memories WHERE user_id = ? ORDER BY id").all(userId));
      }
    } finally {
      db.close();
    }
  });
});
