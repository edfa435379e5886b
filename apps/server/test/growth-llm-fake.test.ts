import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningServer } from "../../../test/support/server.js";
import type { FakeLlm } from "../../../test/support/fake-llm.js";
import { startServerWithFakeLlm } from "../../../test/support/fake-llm-server.js";
import type { Client } from "../../../test/support/tenants.js";

/**
 * POST /growth/reflect against a FAKE OpenAI-compatible endpoint (a remote LLM cannot exist here):
 * the model may answer `{"observation": s|null}` or plain text, plain `NOTHING` means null, and
 * secrets in an observation are scrubbed before it is stored (contracts/intelligence.md §3, §5.4).
 */

let server: RunningServer;
let fake: FakeLlm;
let alice: Client;
let bob: Client;

const reflect = (c: Client) => c.post("/growth/reflect", { service: "claude-code", context: ["asked for smaller commits", "asked again"] });

let stop: () => Promise<void>;

beforeAll(async () => {
  ({ fake: fake, server, alice, bob, stop } = await startServerWithFakeLlm());
});
afterAll(() => stop());
beforeEach(() => fake.reset());

describe("growth reflection answers from a fake LLM", () => {
  it("a JSON answer becomes a growth memory and a reflection", async () => {
    fake.answer({ json: { observation: "The user prefers one small commit per change." } });
    const res = await reflect(alice);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ observation: "The user prefers one small commit per change.", stored_memory_id: expect.any(Number), reflection_id: expect.any(Number), method: "llm" });
    expect((await alice.get(`/memory/${res.body.stored_memory_id}`)).body).toMatchObject({ category: "growth", source: "claude-code-growth", importance: 7, content: res.body.observation });
    expect((await bob.get(`/memory/${res.body.stored_memory_id}`)).status).toBe(404);
  });

  it("a plain-text answer is the observation, trimmed", async () => {
    fake.answer({ content: "  The user asks for tests before merging anything.\n" });
    const res = await reflect(alice);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ observation: "The user asks for tests before merging anything.", method: "llm" });
    const obs = (await alice.get("/growth/observations")).body.observations as { id: number; content: string }[];
    expect(obs.find((o) => o.id === res.body.stored_memory_id)?.content).toBe("The user asks for tests before merging anything.");
  });

  it("NOTHING in plain text (any case, optional period) or in JSON stores nothing", async () => {
    const before = (await alice.get("/growth/observations")).body.count;
    for (const answer of [{ content: "NOTHING" }, { content: " nothing. " }, { content: "Nothing." }, { json: { observation: "nothing" } }]) {
      fake.answer(answer);
      const res = await reflect(alice);
      expect(res.status, JSON.stringify(answer)).toBe(200);
      expect(res.body).toEqual({ observation: null, stored_memory_id: null, reflection_id: null, reason: "nothing_observed" });
    }
    expect((await alice.get("/growth/observations")).body.count).toBe(before);
  });

  it("a secret in the observation is scrubbed from the answer, the memory and the reflection", async () => {
    const key = `sk-live-${"Zq7".repeat(10)}`;
    const engramKey = `engram_${"0f".repeat(16)}`;
    fake.answer({ content: `The deploy script exports OPENAI_API_KEY=${key} and calls with ${engramKey}; password: hunter2x` });
    const res = await reflect(alice);
    expect(res.status).toBe(201);
    const stored = (await alice.get(`/memory/${res.body.stored_memory_id}`)).body.content as string;
    const reflection = ((await alice.get("/reflections?type=growth")).body.reflections as { id: number; content: string }[]).find((r) => r.id === res.body.reflection_id)!;
    for (const text of [res.body.observation as string, stored, reflection.content]) {
      expect(text).toContain("[REDACTED]");
      expect(text).not.toContain(key);
      expect(text).not.toContain(engramKey);
      expect(text).not.toContain("hunter2x");
    }
  });

  it("an answer over 500 characters or broken JSON is a failed call: 200 llm_failed, nothing stored", async () => {
    const before = (await alice.get("/growth/observations")).body.count;
    fake.answer({ content: "The user ".repeat(60) });
    expect((await reflect(alice)).body).toMatchObject({ observation: null, reason: "llm_failed" });
    fake.answer({ content: '{"observation": "cut off mid' });
    expect((await reflect(alice)).body).toMatchObject({ observation: null, reason: "llm_failed" });
    // A success after the two failures, so the client's circuit (three in a row) stays closed.
    fake.answer({ json: { observation: "The user keeps a changelog up to date." } });
    expect((await reflect(alice)).status).toBe(201);
    expect((await alice.get("/growth/observations")).body.count).toBe(before + 1);
  });

  it("an empty context is a 400 naming the field, and nothing is asked of the model", async () => {
    const res = await alice.post("/growth/reflect", { service: "claude-code", context: [] });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^context: /);
    expect(fake.requests).toHaveLength(0);
  });
});
