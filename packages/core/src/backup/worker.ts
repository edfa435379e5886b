/** The backup worker thread: one file operation of store.ts per message, its result posted back. */
import { parentPort } from "node:worker_threads";
import { inspectDatabaseFile, vacuumInto } from "./store.js";
import type { FileOp } from "./off-thread.js";

parentPort!.once("message", (op: FileOp) => {
  try {
    parentPort!.postMessage({ ok: true, value: op.kind === "snapshot" ? vacuumInto(op.source, op.dest, op.key) : inspectDatabaseFile(op.path, op.key) });
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: (err as Error).message });
  }
});
