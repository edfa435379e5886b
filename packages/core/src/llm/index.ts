/** The optional LLM: one OpenAI-compatible client that every feature may ask and none depends on. */
import { HttpLlmClient, NO_LLM, type LlmClient } from "./client.js";
import type { LlmConfig } from "./config.js";

export { HttpLlmClient, NO_LLM, type LlmCall, type LlmClient, type LlmFailure, type LlmResult, type LlmStats } from "./client.js";
export { DEFAULT_LLM_BG_TIMEOUT_MS, DEFAULT_LLM_CONCURRENCY, DEFAULT_LLM_MODEL, DEFAULT_LLM_TIMEOUT_MS, type LlmConfig } from "./config.js";
export { keepValid } from "./keep-valid.js";
export { parseModelJson } from "./parse.js";

export function createLlm(config: LlmConfig | null): LlmClient {
  return config ? new HttpLlmClient(config) : NO_LLM;
}
