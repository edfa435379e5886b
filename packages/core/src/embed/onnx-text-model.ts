import { InferenceSession, Tensor } from "onnxruntime-node";
import { DEFAULT_ONNX_MAX_SEQ } from "./embedder-config.js";
import { EmbedderError } from "./errors.js";
import { resolveOnnxFile } from "./model-folder.js";
import { padBatch, type TokenBatch } from "./token-batch.js";
import { loadTokenizer, type Encoding, type TextTokenizer } from "./tokenizer.js";

export const DEFAULT_ONNX_FILE = "model_quantized.onnx";
export const DEFAULT_MAX_SEQ = DEFAULT_ONNX_MAX_SEQ;

/** Where a transformer exported to ONNX lives: a local folder with tokenizer.json beside the model. */
export interface OnnxFolderOptions {
  dir: string;
  /** File name in dir or dir/onnx; default model_quantized.onnx. */
  onnxFile?: string;
  /**
   * Longest model input in tokens, special tokens included; default 256. An embedder covers a
   * longer text with windows of this size, a reranker truncates the pair to it.
   */
  maxSeq?: number;
}

/** The inputs BERT-family exports declare; any other declared input cannot be fed from text. */
const TEXT_INPUTS = ["input_ids", "attention_mask", "token_type_ids"] as const;
type TextInput = (typeof TEXT_INPUTS)[number];

/** A float output of one batch, with the padded batch it came from (its mask is needed for pooling). */
export interface BatchOutput {
  data: Float32Array;
  dims: readonly number[];
  batch: TokenBatch;
}

/** An ONNX transformer and its tokenizer: tokenizes, pads, runs, and hands back one output. */
export class OnnxTextModel {
  private constructor(
    readonly tokenizer: TextTokenizer,
    private readonly session: InferenceSession,
    private readonly inputs: readonly TextInput[],
  ) {}

  static async open(options: OnnxFolderOptions): Promise<OnnxTextModel> {
    const file = await resolveOnnxFile(options.dir, options.onnxFile ?? DEFAULT_ONNX_FILE);
    const tokenizer = await loadTokenizer(options.dir, options.maxSeq ?? DEFAULT_MAX_SEQ);
    let session: InferenceSession;
    try {
      // Warnings about graph optimisation are noise in a server's log; errors still surface.
      session = await InferenceSession.create(file, { logSeverityLevel: 3 });
    } catch (err) {
      throw new EmbedderError(`cannot load ONNX model ${file}: ${(err as Error).message}`);
    }
    const unknown = session.inputNames.filter((n) => !(TEXT_INPUTS as readonly string[]).includes(n));
    if (unknown.length > 0 || !session.inputNames.includes("input_ids")) {
      throw new EmbedderError(
        `${file} declares inputs [${session.inputNames.join(", ")}]; only input_ids (required), attention_mask and token_type_ids can be fed`,
      );
    }
    return new OnnxTextModel(tokenizer, session, session.inputNames as TextInput[]);
  }

  /** Runs one batch and returns the output called `preferredOutput`, or the model's first output. */
  async run(encodings: readonly Encoding[], preferredOutput: string): Promise<BatchOutput> {
    const batch = padBatch(encodings, this.tokenizer.padId);
    const arrays: Record<TextInput, BigInt64Array> = {
      input_ids: batch.inputIds,
      attention_mask: batch.attentionMask,
      token_type_ids: batch.tokenTypeIds,
    };
    const feeds: Record<string, Tensor> = {};
    for (const name of this.inputs) feeds[name] = new Tensor("int64", arrays[name], [batch.size, batch.seqLen]);
    const outputName = this.session.outputNames.includes(preferredOutput) ? preferredOutput : this.session.outputNames[0]!;
    const results = await this.session.run(feeds, [outputName]);
    const output = results[outputName]!;
    if (output.type !== "float32") throw new EmbedderError(`output ${outputName} is ${output.type}; float32 is needed`);
    return { data: output.data as Float32Array, dims: output.dims, batch };
  }
}
