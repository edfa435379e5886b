import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeLlm } from "../../../test/support/fake-llm.js";
import { startServerWithFakeLlm } from "../../../test/support/fake-llm-server.js";
import type { Client } from "../../../test/support/tenants.js";

/**
 * The LLM paths of /add, episode finalize and profile synthesis against a FAKE OpenAI-compatible
 * endpoint (a remote LLM cannot exist here), and their fall back to the rules when it answers
 * garbage, 429 or nothing. Post-store jobs are off so no background call takes a scripted answer.
 */
let fake: FakeLlm;
let alice: Client;

let stop: () => Promise<void>;

beforeAll(async () => {
  // Generous for a busy machine; the hanging case waits it out.
  ({ fake, alice, stop } = await startServerWithFakeLlm({ ENGRAM_LLM_TIMEOUT_MS: "4000" }));
});
afterAll(() => stop());
beforeEach(() => fake.reset());

const userInput = (i: number) => ((fake.requests[i]!.messages as { role: string; content: string }[]).find((m) => m.role === "user")?.content ?? "");

describe("people features with a fake LLM", () => {
  it("/add stores what the fake LLM picked, with its category and importance", async () => {
    fake.answer({ json: { memories: [{ content: "I live in Lisbon and work as a data engineer", category: "biography", importance: 8 }, { content: "" }, { nonsense: true }] } });
    const res = await alice.post("/add", {
      messages: [
        { role: "user", content: "So I moved to Lisbon, you know, and I do data engineering now." },
        { role: "assistant", content: "Nice!" },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ method: "llm", stored: 1, results: [{ memory: "I live in Lisbon and work as a data engineer", event: "ADD" }] });
    expect((await alice.get(`/memory/${res.body.results[0].id}`)).body).toMatchObject({ category: "biography", importance: 8, source: "add" });
    expect(userInput(0)).toBe("User: So I moved to Lisbon, you know, and I do data engineering now.");
    expect(fake.requests[0]).toMatchObject({ model: "fake-model", temperature: 0.1 });
  });

  it("finalize writes the fake LLM's narrative", async () => {
    const ep = (await alice.post("/episodes", { title: "Release" })).body.id;
    const m = (await alice.post("/store", { content: "Tagged v2.4.0 after the migration passed" })).body.id;
    await alice.post(`/episodes/${ep}/memories`, { memory_ids: [m] });
    fake.answer({ json: { narrative: "The team tagged v2.4.0 once the migration passed." } });
    const fin = await alice.post(`/episodes/${ep}/finalize`, {});
    expect(fin.body).toMatchObject({ method: "llm", summary: "The team tagged v2.4.0 once the migration passed." });
    expect(userInput(0)).toContain("Tagged v2.4.0 after the migration passed");
  });

  it("synthesize writes the fake LLM's prose over the rules signals", async () => {
    await alice.post("/store", { content: "I really love sailing on windy days." });
    fake.answer({ json: { summary: "Alice is drawn to the sea." } });
    const res = await alice.post("/profile/synthesize");
    expect(res.body).toMatchObject({ method: "llm", personality_summary: "Alice is drawn to the sea." });
    expect(userInput(0)).toContain("sailing on windy days (positive)");
    expect((await alice.get("/profile")).body.personality_summary).toBe("Alice is drawn to the sea.");
  });

  it("falls back to the rules when the fake LLM answers garbage: /add still stores, method rules", async () => {
    fake.setDefault({ content: "I am not JSON at all" });
    const res = await alice.post("/add", { messages: "I keep my bike in the basement storage room." });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ method: "rules", stored: 1, results: [{ memory: "I keep my bike in the basement storage room.", event: "ADD" }] });
    expect(fake.requests.length).toBeGreaterThan(0);
  });

  it("falls back to the rules when the fake LLM answers 429: finalize writes the rules narrative", async () => {
    fake.setDefault({ status: 429 });
    const ep = (await alice.post("/episodes", { title: "Limits" })).body.id;
    const fin = await alice.post(`/episodes/${ep}/finalize`, {});
    expect(fin.status).toBe(200);
    expect(fin.body).toMatchObject({ method: "rules", summary: "Limits: no memories recorded." });
  });

  it("falls back to the rules when the fake LLM never answers: the requests still succeed", async () => {
    fake.setDefault({ hang: true });
    const res = await alice.post("/add", { messages: "My favourite editor is Helix these days." });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ method: "rules", stored: 1 });
    const synth = await alice.post("/profile/synthesize");
    expect(synth.status).toBe(200);
    expect(synth.body.method).toBe("rules");
    expect(synth.body.personality_summary).toMatch(/^PREFERENCES: .*likes Helix these days/);
  });
});
