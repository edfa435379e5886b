import type { EmbedderConfig } from "../embedder-config.js";

/** What a pool worker is started with (its workerData). */
export interface WorkerInit {
  config: EmbedderConfig;
}

/**
 * One message to a worker: the texts of one or more callers, one group each. The worker
 * embeds all groups in one embedder call, so several small requests share model batches.
 */
export interface EmbedRequest {
  id: number;
  groups: string[][];
}

/** A group's vectors, or why that group (alone) failed. */
export type GroupResult = { vectors: Float32Array[] } | { error: string };

export type WorkerMessage =
  | { type: "loaded"; dimension: number }
  | { type: "load-failed"; error: string }
  | { type: "embedded"; id: number; results: GroupResult[] };
