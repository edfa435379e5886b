import type { Embedder, EmbedderStatus } from "./embedder.js";
import { inBatches } from "./batches.js";
import { EmbedderError } from "./errors.js";
import { LazyLoad } from "./lazy-load.js";
import { l2Normalize } from "./vectors.js";

export interface OpenAiEmbedderOptions {
  /** Base URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1; `/embeddings` is appended. */
  url: string;
  /** Sent as a Bearer token when set; local servers often need none. */
  key?: string;
  model: string;
  /** Most texts per request; default 96, within every common provider's limit. */
  batchSize?: number;
  /** Per-request timeout; default 30 s. */
  timeoutMs?: number;
}

const DEFAULT_BATCH_SIZE = 96;
const DEFAULT_TIMEOUT_MS = 30_000;
/** How much of an error body to quote: enough for the provider's message, not a whole HTML page. */
const ERROR_BODY_CHARS = 300;

interface EmbeddingsResponse {
  data?: unknown;
}

/**
 * Any OpenAI-compatible embeddings endpoint (OpenAI, Ollama, vLLM, LM Studio, ...).
 * Its dimension is learned by `load()`, which embeds one probe text; that also checks the
 * URL, key and model before the embedder reports itself loaded.
 */
export class OpenAiEmbedder implements Embedder {
  readonly id: string;
  private readonly endpoint: string;
  private readonly batchSize: number;
  private readonly timeoutMs: number;
  private readonly probed: LazyLoad<number>;

  constructor(private readonly options: OpenAiEmbedderOptions) {
    this.id = `openai:${options.model}`;
    this.endpoint = `${options.url.replace(/\/+$/, "")}/embeddings`;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.probed = new LazyLoad(async () => (await this.request(["dimension probe"]))[0]!.length);
  }

  get dimension(): number {
    const dimension = this.probed.peek();
    if (dimension === undefined) throw new EmbedderError(`${this.id}: the dimension is known only once load() has resolved`);
    return dimension;
  }

  status(): EmbedderStatus {
    return this.probed.status();
  }

  async load(): Promise<void> {
    await this.probed.get();
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const dimension = await this.probed.get();
    const vectors = await inBatches(texts, this.batchSize, (batch) => this.request(batch));
    // A model swapped behind the same name would silently mix vector spaces.
    const wrong = vectors.find((v) => v.length !== dimension);
    if (wrong) throw new EmbedderError(`${this.endpoint} returned a ${wrong.length}-dimension vector; earlier ones had ${dimension}`);
    return vectors;
  }

  private async request(input: string[]): Promise<Float32Array[]> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.options.key) headers["authorization"] = `Bearer ${this.options.key}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.endpoint, {
        method: "POST",
        headers,
        body: JSON.stringify({ model: this.options.model, input }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      throw new EmbedderError(`cannot reach ${this.endpoint}: ${(err as Error).message}`);
    }
    if (!response.ok) {
      throw new EmbedderError(`${this.endpoint} answered ${response.status}: ${text.slice(0, ERROR_BODY_CHARS)}`, response.status);
    }
    return this.parse(text, input.length);
  }

  /** Orders vectors by `index` (the API does not promise input order) and checks that each input got one. */
  private parse(text: string, count: number): Float32Array[] {
    let body: EmbeddingsResponse;
    try {
      body = JSON.parse(text) as EmbeddingsResponse;
    } catch {
      throw new EmbedderError(`${this.endpoint} answered with something other than JSON: ${text.slice(0, ERROR_BODY_CHARS)}`);
    }
    if (!Array.isArray(body.data)) {
      throw new EmbedderError(`${this.endpoint} answered without a data array: ${text.slice(0, ERROR_BODY_CHARS)}`);
    }
    const out: (Float32Array | undefined)[] = new Array(count);
    for (const item of body.data as ({ index?: unknown; embedding?: unknown } | null)[]) {
      const index = item?.index;
      if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= count || out[index]) {
        throw new EmbedderError(`${this.endpoint} answered with a bad or repeated index ${JSON.stringify(index)}`);
      }
      const embedding = item?.embedding;
      if (!Array.isArray(embedding) || embedding.some((x) => typeof x !== "number")) {
        throw new EmbedderError(`${this.endpoint} answered index ${index} without a float array embedding`);
      }
      out[index] = l2Normalize(Float32Array.from(embedding as number[]));
    }
    if (out.includes(undefined)) {
      throw new EmbedderError(`${this.endpoint} answered ${body.data.length} embeddings for ${count} inputs`);
    }
    return out as Float32Array[];
  }
}
