import { parentPort, workerData } from "node:worker_threads";
import { ParseInputError } from "./documents.js";
import { parseInput, type ParseRequest } from "./parse.js";

/** One parse per worker: the answer is the parsed input, or which kind of error stopped it. */
parseInput(workerData as ParseRequest).then(
  (result) => parentPort!.postMessage({ ok: true, result }),
  (err: unknown) =>
    parentPort!.postMessage({
      ok: false,
      input: err instanceof ParseInputError,
      message: err instanceof Error ? err.message : String(err),
    }),
);
