import type { Embedder } from "./embedder.js";
import { OnnxEmbedder } from "./onnx.js";
import { OpenAiEmbedder } from "./openai.js";
import type { Pooling } from "./pooling.js";
import { UseLiteEmbedder } from "./use-lite.js";

/** Which embedder to build; the config module fills this from the environment. */
export type EmbedderConfig =
  | { kind: "use-lite" }
  | { kind: "onnx"; dir: string; onnxFile?: string; maxSeq?: number; pooling?: Pooling }
  | { kind: "openai"; url: string; key?: string; model: string };

/** Builds the embedder; nothing loads until its first `load()` or `embed()`. */
export function createEmbedder(config: EmbedderConfig): Embedder {
  switch (config.kind) {
    case "use-lite":
      return new UseLiteEmbedder();
    case "onnx":
      return new OnnxEmbedder(config);
    case "openai":
      return new OpenAiEmbedder(config);
  }
}
