import path from "node:path";
import type { Embedder, EmbedderStatus } from "./embedder.js";
import { inBatches } from "./batches.js";
import { EmbedderError } from "./errors.js";
import { LazyLoad } from "./lazy-load.js";
import { readPooling } from "./model-folder.js";
import { OnnxTextModel, type OnnxFolderOptions } from "./onnx-text-model.js";
import { poolHiddenStates, type Pooling } from "./pooling.js";
import type { Encoding } from "./tokenizer.js";
import { DEFAULT_MAX_WINDOWS, embedInWindows } from "./windows.js";

export interface OnnxEmbedderOptions extends OnnxFolderOptions {
  /** Overrides the folder's 1_Pooling/config.json; without either, mean pooling. */
  pooling?: Pooling;
  /** Windows per model run; default 32. */
  batchSize?: number;
  /** Windows per text before they are spread over it; see windows.ts. */
  maxWindows?: number;
}

const DEFAULT_BATCH_SIZE = 32;

interface Loaded {
  model: OnnxTextModel;
  pooling: Pooling;
  dimension: number;
}

/**
 * A sentence encoder exported to ONNX (e.g. a sentence-transformers model via Optimum),
 * run on CPU by onnxruntime-node from a local folder: tokenize into windows of maxSeq tokens,
 * pad per batch, take last_hidden_state (or the first output), pool each window with the
 * attention mask, average a text's windows (windows.ts), normalise.
 */
export class OnnxEmbedder implements Embedder {
  readonly id: string;
  private readonly loaded: LazyLoad<Loaded>;
  private readonly batchSize: number;
  private readonly maxWindows: number;

  constructor(private readonly options: OnnxEmbedderOptions) {
    this.id = `onnx:${path.basename(path.resolve(options.dir))}`;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.maxWindows = options.maxWindows ?? DEFAULT_MAX_WINDOWS;
    this.loaded = new LazyLoad(() => this.open());
  }

  get dimension(): number {
    const loaded = this.loaded.peek();
    if (!loaded) throw new EmbedderError(`${this.id}: the dimension is known only once load() has resolved`);
    return loaded.dimension;
  }

  status(): EmbedderStatus {
    return this.loaded.status();
  }

  async load(): Promise<void> {
    await this.loaded.get();
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const { model, pooling } = await this.loaded.get();
    const windows = texts.map((text) => model.tokenizer.encodeWindows(text, this.maxWindows));
    return embedInWindows(windows, (all) => inBatches(all, this.batchSize, (batch) => embedBatch(model, pooling, batch)));
  }

  private async open(): Promise<Loaded> {
    const model = await OnnxTextModel.open(this.options);
    const pooling = this.options.pooling ?? (await readPooling(this.options.dir)) ?? "mean";
    // One short run learns the output width and proves the model works before it is reported loaded.
    const [probe] = await embedBatch(model, pooling, [model.tokenizer.encode("dimension probe")]);
    return { model, pooling, dimension: probe!.length };
  }
}

/** One model run over encoded windows: one pooled, normalised vector per window. */
async function embedBatch(model: OnnxTextModel, pooling: Pooling, encodings: Encoding[]): Promise<Float32Array[]> {
  const { data, dims, batch } = await model.run(encodings, "last_hidden_state");
  if (dims.length !== 3) throw new EmbedderError(`expected a [batch, seq, dim] output, got [${dims.join(", ")}]`);
  return poolHiddenStates({ data, batch: batch.size, seq: batch.seqLen, dim: dims[2]! }, batch.attentionMask, pooling);
}
