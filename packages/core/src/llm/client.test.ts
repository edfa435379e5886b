import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { startFakeLlm, type FakeLlm } from "../../../../test/support/fake-llm.js";
import { loadConfig } from "../config/index.js";
import { HttpLlmClient, NO_LLM, type LlmCall } from "./client.js";
import type { LlmConfig } from "./config.js";
import { keepValid } from "./keep-valid.js";
import { parseModelJson } from "./parse.js";

let fake: FakeLlm;
beforeAll(async () => {
  fake = await startFakeLlm();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const config = (over: Partial<LlmConfig> = {}): LlmConfig => ({
  url: fake.url,
  apiKey: "sk-test",
  model: "fake-model",
  timeoutMs: 2_000,
  backgroundTimeoutMs: 4_000,
  concurrency: 2,
  pricePerMillionIn: 1,
  pricePerMillionOut: 2,
  ...over,
});

const summary = z.object({ summary: z.string().min(1) });
const call = (over: Partial<LlmCall<{ summary: string }>> = {}): LlmCall<{ summary: string }> => ({
  feature: "narrative",
  system: "Summarise.",
  input: "Deployed v2.4.0",
  schema: summary,
  temperature: 0.3,
  ...over,
});

describe("LLM client against a fake OpenAI-compatible endpoint", () => {
  it("sends the chat request the contract names and returns the validated answer", async () => {
    fake.answer({ json: { summary: "Release shipped" } });
    const llm = new HttpLlmClient(config());
    expect(await llm.complete(call())).toEqual({ ok: true, value: { summary: "Release shipped" }, model: "fake-model" });
    expect(fake.requests[0]).toMatchObject({
      model: "fake-model",
      messages: [
        { role: "system", content: "Summarise." },
        { role: "user", content: "Deployed v2.4.0" },
      ],
      temperature: 0.3,
      response_format: { type: "json_object" },
      stream: false,
    });
  });

  it("reads JSON inside a code fence, after preamble, with trailing commas", async () => {
    fake.answer({ content: 'Sure! Here it is:\n```json\n{"summary": "ok",}\n```' }, { content: 'The answer is {"summary": "two"} as asked.' });
    const llm = new HttpLlmClient(config());
    expect(await llm.complete(call())).toMatchObject({ ok: true, value: { summary: "ok" } });
    expect(await llm.complete(call())).toMatchObject({ ok: true, value: { summary: "two" } });
  });

  it("answers invalid for garbage and for JSON the schema refuses, without throwing", async () => {
    fake.answer({ content: "I cannot help with that." }, { json: { summary: "" } });
    const llm = new HttpLlmClient(config());
    expect(await llm.complete(call())).toEqual({ ok: false, reason: "invalid" });
    expect(await llm.complete(call())).toEqual({ ok: false, reason: "invalid" });
  });

  it("retries a 429 once after a pause, and gives up after the second", async () => {
    fake.answer({ status: 429 }, { json: { summary: "after retry" } });
    const llm = new HttpLlmClient(config());
    expect(await llm.complete(call())).toMatchObject({ ok: true, value: { summary: "after retry" } });
    expect(fake.requests).toHaveLength(2);
    fake.answer({ status: 503 }, { status: 429 }, { json: { summary: "never read" } });
    expect(await llm.complete(call())).toEqual({ ok: false, reason: "http" });
    expect(fake.requests).toHaveLength(4);
  });

  it("does not retry a 4xx other than 429", async () => {
    fake.answer({ status: 401 }, { json: { summary: "never read" } });
    const llm = new HttpLlmClient(config());
    expect(await llm.complete(call())).toEqual({ ok: false, reason: "http" });
    expect(fake.requests).toHaveLength(1);
  });

  it("times out an endpoint that never answers within the hot-path timeout", async () => {
    fake.answer({ hang: true });
    const llm = new HttpLlmClient(config({ timeoutMs: 300 }));
    expect(await llm.complete(call())).toEqual({ ok: false, reason: "timeout" });
  });

  it("repeats the call without response_format when the endpoint rejects it, and stops sending it", async () => {
    fake.answer({ status: 400, body: '{"error":{"message":"Unrecognized request argument: response_format"}}' }, { json: { summary: "plain" } }, { json: { summary: "again" } });
    const llm = new HttpLlmClient(config());
    expect(await llm.complete(call())).toMatchObject({ ok: true, value: { summary: "plain" } });
    await llm.complete(call());
    expect(fake.requests.map((r) => "response_format" in r)).toEqual([true, false, false]);
  });

  it("opens the circuit after three failures in a row and closes it after the open period", async () => {
    let now = 1_000_000;
    const llm = new HttpLlmClient(config(), { now: () => now, circuitOpenMs: 30_000 });
    fake.setDefault({ status: 401 });
    for (let i = 0; i < 3; i++) expect(await llm.complete(call())).toEqual({ ok: false, reason: "http" });
    expect(await llm.complete(call())).toEqual({ ok: false, reason: "circuit_open" });
    expect(fake.requests).toHaveLength(3);
    now += 30_001;
    fake.setDefault({ json: { summary: "back" } });
    expect(await llm.complete(call())).toMatchObject({ ok: true });
  });

  it("turns a hot-path call away when every slot is busy, while a background call waits for one", async () => {
    const llm = new HttpLlmClient(config({ concurrency: 1, timeoutMs: 400, backgroundTimeoutMs: 4_000 }));
    fake.answer({ hang: true }, { json: { summary: "waited" } });
    const first = llm.complete(call());
    await new Promise((r) => setTimeout(r, 50));
    expect(await llm.complete(call())).toEqual({ ok: false, reason: "busy" });
    const background = llm.complete(call({ background: true }));
    expect(await first).toEqual({ ok: false, reason: "timeout" });
    expect(await background).toMatchObject({ ok: true, value: { summary: "waited" } });
  });

  it("counts calls by feature and outcome, tokens, and cost at the configured prices", async () => {
    fake.answer({ json: { summary: "a" } }, { content: "garbage" });
    const llm = new HttpLlmClient(config());
    await llm.complete(call());
    await llm.complete(call({ feature: "facts" }));
    const stats = llm.stats();
    expect(stats.calls).toEqual(
      expect.arrayContaining([
        { feature: "narrative", outcome: "ok", count: 1 },
        { feature: "facts", outcome: "invalid", count: 1 },
      ]),
    );
    expect(stats.promptTokens).toBe(200);
    expect(stats.completionTokens).toBe(40);
    expect(stats.costUsd).toBeCloseTo((200 * 1 + 40 * 2) / 1_000_000, 12);
  });

  it("without an endpoint every call answers unconfigured and nothing is sent", async () => {
    expect(NO_LLM.configured).toBe(false);
    expect(await NO_LLM.complete(call())).toEqual({ ok: false, reason: "unconfigured" });
    expect(fake.requests).toHaveLength(0);
  });
});

describe("reading a model's answer", () => {
  it("drops invalid array items one by one and caps the rest", () => {
    const item = z.object({ subject: z.string().min(1) });
    expect(keepValid(item, [{ subject: "a" }, { subject: "" }, 3, { subject: "b" }, { subject: "c" }], 2)).toEqual([{ subject: "a" }, { subject: "b" }]);
  });

  it("returns undefined when nothing in the text parses", () => {
    expect(parseModelJson("no json here")).toBeUndefined();
    expect(parseModelJson('{"a": [1, 2,],}')).toEqual({ a: [1, 2] });
  });
});

describe("LLM configuration", () => {
  it("is off without a URL, and reads the reference's LLM_* names when the ENGRAM_ ones are unset", () => {
    expect(loadConfig({}).llm).toBeNull();
    const c = loadConfig({ LLM_URL: "http://127.0.0.1:11434/v1", LLM_API_KEY: "k", LLM_MODEL: "qwen" }).llm!;
    expect(c).toMatchObject({ url: "http://127.0.0.1:11434/v1", apiKey: "k", model: "qwen", timeoutMs: 15_000, backgroundTimeoutMs: 60_000, concurrency: 2 });
    expect(loadConfig({ ENGRAM_LLM_URL: "http://a.test/v1", LLM_URL: "http://b.test/v1" }).llm!.url).toBe("http://a.test/v1");
  });
});
