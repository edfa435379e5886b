import type { Embedder } from "./embedder.js";
import type { EmbedderConfig } from "./embedder-config.js";
import { OnnxEmbedder } from "./onnx.js";
import { OpenAiEmbedder } from "./openai.js";
import { UseLiteEmbedder } from "./use-lite.js";

export type { EmbedderConfig } from "./embedder-config.js";

/** Builds the embedder on the calling thread; nothing loads until its first `load()` or `embed()`. */
export function createEmbedder(config: EmbedderConfig): Embedder {
  switch (config.kind) {
    case "use-lite":
      return new UseLiteEmbedder(config);
    case "onnx":
      return new OnnxEmbedder(config);
    case "openai":
      return new OpenAiEmbedder(config);
  }
}
