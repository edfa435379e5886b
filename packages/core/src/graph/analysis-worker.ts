import { parentPort } from "node:worker_threads";
import { analyse, type GraphData } from "./algorithms.js";

/** Runs one analysis off the main thread (see offload.ts) and hands the arrays back without copying. */
parentPort!.once("message", (msg: { data: GraphData; opts: { pagerank: boolean; communities: boolean; seed: number } }) => {
  const result = analyse(msg.data, msg.opts);
  parentPort!.postMessage(result, [result.ranks.buffer, result.membership.buffer]);
});
