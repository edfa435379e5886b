export type { Embedder, EmbedderStatus } from "./embedder.js";
export { EmbedderError } from "./errors.js";
export { createEmbedder, type EmbedderConfig } from "./factory.js";
export { UseLiteEmbedder } from "./use-lite.js";
export { OnnxEmbedder, type OnnxEmbedderOptions } from "./onnx.js";
export { DEFAULT_ONNX_FILE, DEFAULT_MAX_SEQ, type OnnxFolderOptions } from "./onnx-text-model.js";
export { OpenAiEmbedder, type OpenAiEmbedderOptions } from "./openai.js";
export { OnnxReranker, type Reranker, type OnnxRerankerOptions } from "./reranker.js";
export type { Pooling } from "./pooling.js";
