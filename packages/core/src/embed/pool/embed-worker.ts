import { parentPort, workerData } from "node:worker_threads";
import { createEmbedder } from "../factory.js";
import type { EmbedRequest, GroupResult, WorkerInit, WorkerMessage } from "./protocol.js";

/**
 * A pool worker (pooled-embedder.ts): loads its own instance of the configured embedder,
 * says so, then embeds whatever it is sent. Everything CPU-bound (tokenizing, the model,
 * pooling, parsing a remote answer) happens on this thread.
 */
const { config } = workerData as WorkerInit;
const embedder = createEmbedder(config);
const port = parentPort!;
const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

port.on("message", (request: EmbedRequest) => {
  void embedGroups(request.groups).then((results) => {
    // Vectors are handed over, not copied; each has its own buffer, listed once.
    const buffers = new Set<ArrayBuffer>();
    for (const r of results) if ("vectors" in r) for (const v of r.vectors) buffers.add(v.buffer as ArrayBuffer);
    post({ type: "embedded", id: request.id, results }, [...buffers]);
  });
});

/**
 * All groups in one call; when that fails and there was more than one group, each group
 * alone, so that one caller's bad text fails that caller and not the others it shared a
 * batch with.
 */
async function embedGroups(groups: string[][]): Promise<GroupResult[]> {
  try {
    const vectors = await embedder.embed(groups.flat());
    let next = 0;
    return groups.map((g) => ({ vectors: vectors.slice(next, (next += g.length)) }));
  } catch (err) {
    if (groups.length === 1) return [{ error: (err as Error).message }];
    return Promise.all(groups.map(async (g) => (await embedGroups([g]))[0]!));
  }
}

embedder.load().then(
  () => post({ type: "loaded", dimension: embedder.dimension }),
  (err: unknown) => post({ type: "load-failed", error: (err as Error).message }),
);
