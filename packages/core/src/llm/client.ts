import type { z } from "zod";
import { Circuit } from "./circuit.js";
import { chatCompletionsUrl, type LlmConfig } from "./config.js";
import { parseModelJson } from "./parse.js";

/** One question to the model: a system prompt, the input, and the schema its JSON answer must meet. */
export interface LlmCall<T> {
  /** Names the feature in the metrics (`facts`, `guard`, `narrative`...). */
  feature: string;
  system: string;
  input: string;
  schema: z.ZodType<T>;
  /**
   * How the answer's text becomes the value the schema checks; default `parseModelJson`. A feature
   * that also accepts plain text (growth reflection) reads it here.
   */
  read?: (content: string) => unknown;
  temperature: number;
  maxTokens?: number;
  /** A background job's call: the longer timeout, and it waits for a free slot instead of failing. */
  background?: boolean;
}

/** Why a call gave no usable answer; the feature then runs its rules path. */
export type LlmFailure = "unconfigured" | "busy" | "circuit_open" | "timeout" | "network" | "http" | "invalid";

export type LlmResult<T> = { ok: true; value: T; model: string } | { ok: false; reason: LlmFailure };

export interface LlmClient {
  readonly configured: boolean;
  readonly model: string | null;
  complete<T>(call: LlmCall<T>): Promise<LlmResult<T>>;
  /** Running totals since start, for /metrics. */
  stats(): LlmStats;
}

export interface LlmStats {
  /** Calls by feature and outcome (`ok` or an LlmFailure). */
  calls: { feature: string; outcome: "ok" | LlmFailure; count: number }[];
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

/** Pause before the one retry of a call that met a network error, a 429 or a 5xx. */
const RETRY_DELAY_MS = 500;

/** No endpoint configured: every feature runs rules-only, and says so. */
export const NO_LLM: LlmClient = {
  configured: false,
  model: null,
  complete: async () => ({ ok: false, reason: "unconfigured" }),
  stats: () => ({ calls: [], promptTokens: 0, completionTokens: 0, costUsd: 0 }),
};

type Attempt = { kind: "answer"; content: string } | { kind: "retryable"; reason: LlmFailure } | { kind: "final"; reason: LlmFailure };

/**
 * The OpenAI-compatible chat client (contracts/intelligence.md §3). It never throws: every way
 * a call can go wrong (no free slot, open circuit, timeout, refused connection, HTTP error,
 * unparseable or invalid JSON) comes back as `{ok: false, reason}`, and the caller falls back
 * to its rules path, so the LLM decides how well a request is served, never whether.
 */
export class HttpLlmClient implements LlmClient {
  readonly configured = true;
  readonly model: string;
  private readonly url: string;
  private readonly circuit: Circuit;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  /** Cleared after the endpoint rejects `response_format`, so later calls do not pay for the refusal again. */
  private jsonMode = true;
  private readonly counts = new Map<string, number>();
  private promptTokens = 0;
  private completionTokens = 0;

  constructor(
    private readonly config: LlmConfig,
    opts: { now?: () => number; circuitOpenMs?: number } = {},
  ) {
    this.model = config.model;
    this.url = chatCompletionsUrl(config.url);
    this.circuit = new Circuit(opts.now, opts.circuitOpenMs);
  }

  async complete<T>(call: LlmCall<T>): Promise<LlmResult<T>> {
    const result = await this.attempt(call);
    const outcome = result.ok ? "ok" : result.reason;
    const key = `${call.feature}\u0000${outcome}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    return result;
  }

  stats(): LlmStats {
    const calls = [...this.counts].map(([key, count]) => {
      const [feature, outcome] = key.split("\u0000") as [string, "ok" | LlmFailure];
      return { feature, outcome, count };
    });
    const costUsd = (this.promptTokens * this.config.pricePerMillionIn + this.completionTokens * this.config.pricePerMillionOut) / 1_000_000;
    return { calls, promptTokens: this.promptTokens, completionTokens: this.completionTokens, costUsd };
  }

  private async attempt<T>(call: LlmCall<T>): Promise<LlmResult<T>> {
    if (this.circuit.isOpen()) return { ok: false, reason: "circuit_open" };
    if (!(await this.acquire(call.background === true))) return { ok: false, reason: "busy" };
    try {
      const result = await this.ask(call);
      if (result.ok) this.circuit.succeeded();
      else this.circuit.failed();
      return result;
    } finally {
      this.release();
    }
  }

  private async ask<T>(call: LlmCall<T>): Promise<LlmResult<T>> {
    const deadline = Date.now() + (call.background ? this.config.backgroundTimeoutMs : this.config.timeoutMs);
    let retried = false;
    for (;;) {
      const attempt = await this.post(call, deadline);
      if (attempt.kind === "answer") {
        const parsed = call.schema.safeParse((call.read ?? parseModelJson)(attempt.content));
        return parsed.success ? { ok: true, value: parsed.data, model: this.model } : { ok: false, reason: "invalid" };
      }
      // One retry, and only when it can still finish in time: a hot-path call past its budget stops.
      if (attempt.kind === "final" || retried || Date.now() + RETRY_DELAY_MS >= deadline) return { ok: false, reason: attempt.reason };
      retried = true;
      await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
    }
  }

  /** One HTTP exchange, repeated once without `response_format` when the endpoint names it in a 400. */
  private async post<T>(call: LlmCall<T>, deadline: number): Promise<Attempt> {
    const body: Record<string, unknown> = {
      model: this.model,
      messages: [
        { role: "system", content: call.system },
        { role: "user", content: call.input },
      ],
      temperature: call.temperature,
      max_tokens: call.maxTokens ?? 1024,
      stream: false,
    };
    if (this.jsonMode) body.response_format = { type: "json_object" };
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...(this.config.apiKey ? { Authorization: `Bearer ${this.config.apiKey}` } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
      });
    } catch (err) {
      const name = (err as Error).name;
      return name === "TimeoutError" || name === "AbortError" ? { kind: "final", reason: "timeout" } : { kind: "retryable", reason: "network" };
    }
    let text: string;
    try {
      text = await res.text();
    } catch {
      return { kind: "final", reason: Date.now() >= deadline ? "timeout" : "network" };
    }
    if (res.status === 400 && this.jsonMode && /response_format/i.test(text)) {
      this.jsonMode = false;
      return this.post(call, deadline);
    }
    if (res.status === 429 || res.status >= 500) return { kind: "retryable", reason: "http" };
    if (!res.ok) return { kind: "final", reason: "http" };
    const content = this.readContent(text);
    return content === undefined ? { kind: "final", reason: "invalid" } : { kind: "answer", content };
  }

  /** `choices[0].message.content`, counting the tokens the endpoint reports. */
  private readContent(text: string): string | undefined {
    let payload: { choices?: { message?: { content?: unknown } }[]; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } };
    try {
      payload = JSON.parse(text);
    } catch {
      return undefined;
    }
    const usage = payload?.usage;
    if (typeof usage?.prompt_tokens === "number") this.promptTokens += usage.prompt_tokens;
    if (typeof usage?.completion_tokens === "number") this.completionTokens += usage.completion_tokens;
    const content = payload?.choices?.[0]?.message?.content;
    return typeof content === "string" ? content : undefined;
  }

  /** A slot for one call: a hot-path call takes a free one or none; a background call waits its turn. */
  private async acquire(wait: boolean): Promise<boolean> {
    if (this.inFlight < this.config.concurrency) {
      this.inFlight += 1;
      return true;
    }
    if (!wait) return false;
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return true;
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to a waiting background call; otherwise it is freed.
    if (next) next();
    else this.inFlight -= 1;
  }
}
