import path from "node:path";
import type { Pooling } from "./pooling.js";

/**
 * USE-lite's own input limit: its graph keeps the first 128 tokens and drops the rest (a
 * 3,000-token text and its first 128 tokens give the same vector, cosine 1.00000), so a
 * longer window would cost tokenizing for nothing and leave text out unnoticed.
 */
export const USE_LITE_MAX_SEQ = 128;
/** ONNX models' tokens per input unless configured; the model's own limit (model_max_length) still caps it. */
export const DEFAULT_ONNX_MAX_SEQ = 256;

/**
 * Which embedder to build; the config module fills this from the environment. `maxSeq` is
 * the tokens per model input (a longer text is read in windows of it) and `maxWindows` the
 * windows per text before they are spread over it (windows.ts).
 */
export type EmbedderConfig =
  | { kind: "use-lite"; maxSeq?: number; maxWindows?: number }
  | { kind: "onnx"; dir: string; onnxFile?: string; maxSeq?: number; maxWindows?: number; pooling?: Pooling }
  | { kind: "openai"; url: string; key?: string; model: string };

/**
 * The id the embedder built from `config` will have (see Embedder.id), known without
 * building it: the worker pool names its vector space before any worker has loaded a model.
 */
export function embedderId(config: EmbedderConfig): string {
  switch (config.kind) {
    case "use-lite":
      return "use-lite-512";
    case "onnx":
      return `onnx:${path.basename(path.resolve(config.dir))}`;
    case "openai":
      return `openai:${config.model}`;
  }
}
