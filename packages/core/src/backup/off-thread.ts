import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { inspectDatabaseFile, vacuumInto, type DatabaseFileProblem, type DatabaseFileReport } from "./store.js";

export type FileOp = { kind: "snapshot"; source: string; dest: string; key?: string } | { kind: "inspect"; path: string; key?: string };

const WORKER = new URL("./worker.js", import.meta.url);
/** Run from the TypeScript sources (the core tests), there is no compiled worker: the work runs inline. */
const workerAvailable = WORKER.protocol === "file:" && fs.existsSync(fileURLToPath(WORKER));

/**
 * Runs a file operation on a worker thread: a snapshot or an integrity check reads the whole
 * database, seconds at 100k memories, which on the main thread would stall every request.
 */
function run<T>(op: FileOp): Promise<T> {
  const inline = () => (op.kind === "snapshot" ? vacuumInto(op.source, op.dest, op.key) : inspectDatabaseFile(op.path, op.key)) as T;
  if (!workerAvailable) return new Promise((resolve) => resolve(inline()));
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER);
    let done = false;
    worker.once("message", (r: { ok: true; value: T } | { ok: false; error: string }) => {
      done = true;
      if (r.ok) resolve(r.value);
      else reject(new Error(r.error));
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (!done) reject(new Error(`backup worker exited with code ${code} before answering`));
    });
    worker.postMessage(op);
  });
}

export const snapshotOffThread = (source: string, dest: string, key?: string) => run<void>({ kind: "snapshot", source, dest, ...(key !== undefined ? { key } : {}) });
export const inspectOffThread = (path: string, key?: string) => run<DatabaseFileReport | DatabaseFileProblem>({ kind: "inspect", path, ...(key !== undefined ? { key } : {}) });
