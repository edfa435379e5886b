import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { analyse, type Analysis, type GraphData } from "./algorithms.js";

const WORKER = new URL("./analysis-worker.js", import.meta.url);
/**
 * The compiled worker sits next to the compiled module. Run from the TypeScript sources (as
 * the core tests are), there is none, and the analysis runs inline on the calling thread.
 */
const workerAvailable = WORKER.protocol === "file:" && fs.existsSync(fileURLToPath(WORKER));

/**
 * PageRank and Louvain on a worker thread: at 100k memories they take seconds of CPU, which
 * on the main thread would stall every HTTP request meanwhile. The arrays are transferred,
 * not copied: `data` is unusable after the call.
 */
export function analyseOffThread(data: GraphData, opts: { pagerank: boolean; communities: boolean; seed: number }): Promise<Analysis> {
  if (!workerAvailable) return Promise.resolve(analyse(data, opts));
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER);
    let done = false;
    worker.once("message", (result: Analysis) => {
      done = true;
      resolve(result);
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (!done) reject(new Error(`graph analysis worker exited with code ${code} before answering`));
    });
    worker.postMessage({ data, opts }, [data.nodes.buffer, data.sources.buffer, data.targets.buffer, data.weights.buffer, data.symmetric.buffer]);
  });
}
