import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/index.js";
import { createEngram } from "../engram.js";
import { ManualClock } from "../util/clock.js";
import { storeInputSchema } from "../memory/schemas.js";

/**
 * ENGRAM_USE_LANCE_INDEX and ENGRAM_LANCE_THRESHOLD read from the environment as the server reads
 * them (loadConfig → createEngram), checked by where a tenant's vectors end up: a LanceDB table
 * under <data dir>/lance once the tenant holds the threshold's worth, or nowhere on disk.
 */

/** Unit vector along the sum of the given axes (6 dimensions). */
const vec = (...axes: [number, number][]) => {
  const v = new Float32Array(6);
  for (const [i, w] of axes) v[i] = w;
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

async function lanceTablesAfterFourVectors(env: Record<string, string>): Promise<string[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-vector-settings-"));
  const open = () => {
    const engram = createEngram(loadConfig({ ENGRAM_DATA_DIR: dataDir, ENGRAM_EMBEDDING_PROVIDER: "none", ...env }), {
      clock: new ManualClock(new Date("2025-06-01T12:00:00.000Z")),
    });
    engram.vectors.activate({ id: "test-6d", dimension: 6 });
    return engram;
  };
  // Stored, then reopened: the first search of the reopened store places the tenant by its count
  // and, on LanceDB, waits for its table to be built from SQLite.
  const first = open();
  const alice = first.auth.createUser("alice", undefined, "writer").id;
  const notes = ["the kiln needs a new thermocouple", "the garden hose leaks at the tap", "invoice 42 is overdue", "restring the guitar"];
  notes.forEach((content, i) => expect(first.memories.store(alice, storeInputSchema.parse({ content }), vec([i, 1])).kind).toBe("stored"));
  await first.vectors.close();
  first.close();
  const second = open();
  const hits = await second.vectors.search(alice, vec([0, 1]), 2);
  expect(hits[0]).toMatchObject({ score: expect.closeTo(1, 5) });
  await second.vectors.close();
  second.close();
  const lanceDir = path.join(dataDir, "lance");
  if (!fs.existsSync(lanceDir)) return [];
  return fs.readdirSync(lanceDir).flatMap((folder) => fs.readdirSync(path.join(lanceDir, folder)));
}

describe("ENGRAM_USE_LANCE_INDEX / ENGRAM_LANCE_THRESHOLD", () => {
  it.each([
    [{ ENGRAM_LANCE_THRESHOLD: "2" }, ["tenant_1.lance"]],
    [{ ENGRAM_LANCE_THRESHOLD: "2", ENGRAM_USE_LANCE_INDEX: "false" }, []],
    [{}, []],
  ])("%j: a tenant with four vectors has the LanceDB tables %j", async (env, tables) => {
    expect(await lanceTablesAfterFourVectors(env)).toEqual(tables);
  });
});
