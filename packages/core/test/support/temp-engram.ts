import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createEngram, type Engram } from "../../src/engram.js";
import { ManualClock } from "../../src/util/clock.js";

export interface TempEngram {
  engram: Engram;
  clock: ManualClock;
  /** The bootstrap admin. */
  user: number;
  /** A second tenant in the same database (a writer). */
  other: number;
  close(): void;
}

/**
 * Core over a SQLite file in a fresh temporary folder: no embedder (BM25 and the channels that
 * follow from it), a manual clock, and two tenants. `close` removes the folder.
 */
export function tempEngram(prefix: string): TempEngram {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const clock = new ManualClock(new Date("2025-06-01T12:00:00.000Z"));
  const engram = createEngram({ dbPath: path.join(dir, "engram.db"), dbSynchronous: "normal", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2 }, { clock });
  return {
    engram,
    clock,
    user: engram.auth.bootstrap(undefined, undefined, undefined).user.id,
    other: engram.auth.createUser("other", undefined, "writer").id,
    close: () => {
      engram.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
