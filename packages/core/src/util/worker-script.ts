import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * Starts a worker thread on a module of this package, built or not.
 *
 * Built, the compiled `.js` sits next to the module that names it, and runs as it is.
 * Run from the TypeScript sources (the core tests under vitest), only the `.ts` exists;
 * graph/offload.ts then runs its work inline, but a pool whose point is crashes, queueing
 * and shutdown across threads would go untested that way. So the `.ts` is started through
 * tsx's loader (a dev dependency of the workspace, never needed by a build) in a small
 * bootstrap: `--import tsx` in a worker's execArgv does not apply to the worker's own entry
 * on Node 20, and registering from inside the worker does.
 *
 * @example startWorker(new URL("./embed-worker.js", import.meta.url), { workerData })
 */
export function startWorker(script: URL, options: WorkerOptions): Worker {
  if (fs.existsSync(fileURLToPath(script))) return new Worker(script, options);
  const source = new URL(script.href.replace(/\.js$/, ".ts"));
  if (!fs.existsSync(fileURLToPath(source))) throw new Error(`no worker script at ${fileURLToPath(script)} (nor its .ts source)`);
  const tsx = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(source.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
