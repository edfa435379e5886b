/** How Engram reaches an OpenAI-compatible chat endpoint (contracts/intelligence.md §1). */
export interface LlmConfig {
  /** Base URL (`…/v1`); `/chat/completions` is appended unless the URL already ends in it. */
  url: string;
  /** Sent as a bearer token; never logged, never echoed. */
  apiKey: string | undefined;
  model: string;
  /** Per call made while a request waits (the hot path). */
  timeoutMs: number;
  /** Per call made by a background job. */
  backgroundTimeoutMs: number;
  /** Calls in flight at once; a hot-path call finding none free falls back to rules at once. */
  concurrency: number;
  /** USD per million prompt and completion tokens, for the cost counter (0: not counted). */
  pricePerMillionIn: number;
  pricePerMillionOut: number;
}

export const DEFAULT_LLM_MODEL = "llama3.2:3b";
export const DEFAULT_LLM_TIMEOUT_MS = 15_000;
export const DEFAULT_LLM_BG_TIMEOUT_MS = 60_000;
export const DEFAULT_LLM_CONCURRENCY = 2;

export function chatCompletionsUrl(base: string): string {
  const trimmed = base.replace(/\/+$/, "");
  return trimmed.endsWith("/chat/completions") ? trimmed : `${trimmed}/chat/completions`;
}
