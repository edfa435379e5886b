import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeLlm, type FakeLlm } from "../../../../../test/support/fake-llm.js";
import { tempEngram, type TempEngram } from "../../../test/support/temp-engram.js";
import { HttpLlmClient } from "../../llm/index.js";
import { storeInputSchema } from "../../memory/index.js";
import { llmSignalClassifier } from "./llm.js";
import { PersonalityService } from "./service.js";

/** The post-store step's LLM path against a FAKE OpenAI-compatible endpoint, and its fall back to the rules. */
let fake: FakeLlm;
let temp: TempEngram;
beforeAll(async () => {
  fake = await startFakeLlm();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  temp = tempEngram("engram-personality-llm-");
});
afterEach(() => temp.close());

// A generous background timeout: the machine may be busy; the hanging case waits it out once.
const llm = (timeoutMs: number) =>
  new HttpLlmClient({ url: fake.url, apiKey: undefined, model: "fake-model", timeoutMs, backgroundTimeoutMs: timeoutMs, concurrency: 2, pricePerMillionIn: 0, pricePerMillionOut: 0 });

function service(timeoutMs = 10_000) {
  const personality = new PersonalityService(temp.engram, { memories: temp.engram.memories, classify: llmSignalClassifier(llm(timeoutMs)) });
  const r = temp.engram.memories.store(temp.user, storeInputSchema.parse({ content: "I really love sailing on windy days near the coast." }));
  if (r.kind !== "stored") throw new Error("not stored");
  return { personality, id: r.memory.id };
}

describe("personality signals with a fake LLM", () => {
  it("stores the fake LLM's signals for the memory, dropping invalid items, as a background call", async () => {
    fake.answer({
      json: {
        signals: [
          { signal_type: "preference", subject: "sailing", valence: "positive", intensity: 0.9, reasoning: "says they love it" },
          { signal_type: "mood", subject: "x", valence: "positive", intensity: 2 },
        ],
      },
    });
    const { personality, id } = service();
    expect(await personality.detectForMemory(temp.user, id)).toEqual({ signals: 1 });
    expect(fake.requests[0]).toMatchObject({ model: "fake-model", temperature: 0.1 });
    expect(personality.list(temp.user, 10)).toEqual([
      expect.objectContaining({ memory_id: id, signal_type: "preference", subject: "sailing", value: 0.9, reasoning: "says they love it" }),
    ]);
  });

  it.each([
    ["garbage", { content: "no JSON here" }],
    ["429", { status: 429 }],
    ["a timeout", { hang: true as const }],
  ])("falls back to the rules detector on %s", async (_name, answer) => {
    fake.setDefault(answer);
    const { personality, id } = service(1_000);
    expect(await personality.detectForMemory(temp.user, id)).toEqual({ signals: 1 });
    expect(personality.list(temp.user, 10)).toEqual([expect.objectContaining({ memory_id: id, subject: "sailing on windy days near the coast", reasoning: "rules: states a liking" })]);
  });
});
