import path from "node:path";
import type { EmbedderStatus } from "./embedder.js";
import { inBatches } from "./batches.js";
import { EmbedderError } from "./errors.js";
import { LazyLoad } from "./lazy-load.js";
import { OnnxTextModel, type OnnxFolderOptions } from "./onnx-text-model.js";

/** Scores how well each passage answers a query; higher is better. */
export interface Reranker {
  readonly id: string;
  status(): EmbedderStatus;
  load(): Promise<void>;
  /** One score in (0, 1) per passage, in input order. */
  rerank(query: string, passages: string[]): Promise<number[]>;
}

export interface OnnxRerankerOptions extends OnnxFolderOptions {
  /** (query, passage) pairs per model run; default 16, since pairs are long. */
  batchSize?: number;
}

const DEFAULT_BATCH_SIZE = 16;

/**
 * A cross-encoder (e.g. ms-marco MiniLM) exported to ONNX: each (query, passage) pair is
 * encoded together as [CLS] query [SEP] passage [SEP] and the model's single logit becomes
 * the score. The logit goes through a sigmoid so scores are comparable across queries and
 * can be thresholded; the order is the logits' order.
 */
export class OnnxReranker implements Reranker {
  readonly id: string;
  private readonly model: LazyLoad<OnnxTextModel>;
  private readonly batchSize: number;

  constructor(options: OnnxRerankerOptions) {
    this.id = `onnx-rerank:${path.basename(path.resolve(options.dir))}`;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.model = new LazyLoad(() => OnnxTextModel.open(options));
  }

  status(): EmbedderStatus {
    return this.model.status();
  }

  async load(): Promise<void> {
    await this.model.get();
  }

  async rerank(query: string, passages: string[]): Promise<number[]> {
    const model = await this.model.get();
    return inBatches(passages, this.batchSize, async (batch) => {
      const { data, dims } = await model.run(
        batch.map((p) => model.tokenizer.encode(query, p)),
        "logits",
      );
      if (data.length !== batch.length) {
        throw new EmbedderError(`expected one logit per pair ([batch, 1]), got [${dims.join(", ")}]`);
      }
      return Array.from(data, sigmoid);
    });
  }
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
