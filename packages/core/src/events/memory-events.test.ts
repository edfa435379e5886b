import { describe, expect, it } from "vitest";
import { openDb } from "../db/index.js";
import { MemoryEvents, type MemoriesChanged, type MemoryDeleting } from "./index.js";

describe("MemoryEvents", () => {
  it("hands every committed change to every listener, in subscription order", () => {
    const events = new MemoryEvents();
    const seen: string[] = [];
    events.onChanged((e) => seen.push(`cache ${e.userId} ${e.changes.map((c) => c.kind).join(",")}`));
    events.onChanged((e) => seen.push(`index ${e.userId} ${e.changes.length}`));
    const vector = new Float32Array([1, 0]);
    events.emitChanged({ userId: 7, changes: [{ kind: "written", memoryId: 1, vector }, { kind: "deleted", memoryId: 2 }] });
    expect(seen).toEqual(["cache 7 written,deleted", "index 7 2"]);
  });

  it("holds a change made inside a transaction until it commits, and drops it when it rolls back", () => {
    const db = openDb({ path: ":memory:" });
    try {
      const events = new MemoryEvents(db.afterCommit);
      const seen: number[] = [];
      events.onChanged((e) => seen.push(...e.changes.map((c) => (c.kind === "written" ? c.memoryId : 0))));
      const written = (memoryId: number) => events.emitChanged({ userId: 7, changes: [{ kind: "written", memoryId, vector: null }] });
      expect(() =>
        db.sqlite.transaction(() => {
          written(1);
          throw new Error("a later op failed");
        })(),
      ).toThrow("a later op failed");
      db.sqlite.transaction(() => {
        written(2);
        expect(seen).toEqual([]);
      })();
      written(3);
      expect(seen).toEqual([2, 3]);
    } finally {
      db.close();
    }
  });

  it("stays silent when nothing changed", () => {
    const events = new MemoryEvents();
    const seen: MemoriesChanged[] = [];
    events.onChanged((e) => seen.push(e));
    events.emitChanged({ userId: 7, changes: [] });
    expect(seen).toEqual([]);
  });

  it("keeps deletes apart from committed changes, and lets a failing cleanup throw to its writer", () => {
    const events = new MemoryEvents();
    const deleting: MemoryDeleting[] = [];
    const changed: MemoriesChanged[] = [];
    events.onChanged((e) => changed.push(e));
    events.onDeleting((e) => deleting.push(e));
    events.emitDeleting({ userId: 3, memoryId: 9, restoredId: 8 });
    expect(deleting).toEqual([{ userId: 3, memoryId: 9, restoredId: 8 }]);
    expect(changed).toEqual([]);
    events.onDeleting(() => {
      throw new Error("entity cleanup failed");
    });
    expect(() => events.emitDeleting({ userId: 3, memoryId: 10, restoredId: null })).toThrow("entity cleanup failed");
  });
});
