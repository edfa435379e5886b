/**
 * `"loading"` until a load has succeeded (including before the first load starts,
 * since models load lazily), `"loaded"` after, `"error"` when the last attempt failed.
 */
export type EmbedderStatus = "loading" | "loaded" | "error";

/**
 * Turns texts into L2-normalised vectors, so cosine similarity is a dot product.
 *
 * Models load lazily and once: `embed()` loads on first use; calling `load()` earlier
 * (e.g. at boot) fails fast and learns the dimension. Concurrent calls share one load;
 * a failed load is attempted again by the next call.
 */
export interface Embedder {
  /**
   * Names the vector space ("use-lite-512", "onnx:<folder>", "openai:<model>"): vectors
   * from embedders with different ids must not be compared, so a change of id means re-embedding.
   */
  readonly id: string;
  /**
   * Vector length. USE-lite knows it from construction; ONNX and OpenAI-compatible
   * embedders only once `load()` has resolved, and reading it earlier throws.
   */
  readonly dimension: number;
  status(): EmbedderStatus;
  load(): Promise<void>;
  /**
   * One vector per text, in input order; large inputs are split into model-sized batches,
   * and a text longer than one model input is read in windows whose vectors are averaged.
   */
  embed(texts: string[]): Promise<Float32Array[]>;
  /** Releases threads the embedder holds (the worker pool); it cannot embed after. */
  close?(): Promise<void>;
}
