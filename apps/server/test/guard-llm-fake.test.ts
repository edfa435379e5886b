import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeLlm } from "../../../test/support/fake-llm.js";
import { startServerWithFakeLlm } from "../../../test/support/fake-llm-server.js";
import type { Client } from "../../../test/support/tenants.js";

/**
 * POST /guard's LLM path against a FAKE OpenAI-compatible endpoint (a remote LLM cannot exist
 * here): the model's verdict may raise allow to warn, never to block; ids it invents are
 * dropped; any failure falls back to the rules path (no embedder here, so the words alone).
 */
let fake: FakeLlm;
let stop: () => Promise<void>;
let alice: Client;
let keys: number;
let optHome: number;
let bobRule: number;

beforeAll(async () => {
  let bob: Client;
  ({ fake, alice, bob, stop } = await startServerWithFakeLlm({ ENGRAM_LLM_TIMEOUT_MS: "1000" }));
  keys = (await alice.post("/store", { content: "Never share API keys in chat", category: "rule", importance: 10 })).body.id;
  optHome = (await alice.post("/store", { content: "Never run rm -rf on /opt", category: "rule", importance: 10 })).body.id;
  bobRule = (await bob.post("/store", { content: "Never print the payroll export", category: "rule", importance: 10 })).body.id;
});
beforeEach(() => fake.reset());
afterAll(() => stop());

const paraphrase = "paste the access token into the Slack channel";

describe("POST /guard with a fake LLM", () => {
  it("a violation the LLM names raises allow to warn, and the LLM saw only the caller's rules", async () => {
    fake.answer({ json: { violations: [{ rule_id: keys, confidence: 0.9 }] } });
    const res = await alice.post("/guard", { action: paraphrase });
    expect(res.body).toEqual({
      signal: "warn",
      action: paraphrase,
      rules: [{ id: keys, content: "Never share API keys in chat", importance: 10 }],
      message: `Check first: rule #${keys} may apply: "Never share API keys in chat"`,
      method: "llm",
    });
    expect(fake.requests).toHaveLength(1);
    const sent = JSON.stringify(fake.requests[0]);
    expect(sent).toContain(`id ${keys}: Never share API keys in chat`);
    expect(sent).not.toContain("payroll");
  });

  it("never blocks on the LLM's word, even for an important rule at full confidence", async () => {
    fake.answer({ json: { violations: [{ rule_id: optHome, confidence: 1 }] } });
    expect((await alice.post("/guard", { action: "wipe the application directory" })).body).toMatchObject({ signal: "warn", method: "llm", rules: [{ id: optHome }] });
  });

  it("drops rule ids that were not sent (another tenant's, made up) and low confidence", async () => {
    fake.answer({ json: { violations: [{ rule_id: bobRule, confidence: 0.99 }, { rule_id: 987654, confidence: 0.99 }, { rule_id: keys, confidence: 0.2 }] } });
    expect((await alice.post("/guard", { action: paraphrase })).body).toMatchObject({ signal: "allow", rules: [], method: "llm" });
  });

  it("words decide a block without asking the LLM", async () => {
    expect((await alice.post("/guard", { action: "rm -rf /opt/engram/data" })).body).toMatchObject({ signal: "block", method: "rules" });
    expect(fake.requests).toHaveLength(0);
  });

  it("falls back to the rules path on garbage, invalid items, a 429 and a timeout", async () => {
    for (const answer of [{ content: "I think it is fine!" }, { json: { violations: [{ rule: "x" }] } }, { status: 429 }, { hang: true as const }]) {
      fake.reset();
      fake.setDefault(answer);
      const res = await alice.post("/guard", { action: paraphrase });
      expect(res.status, JSON.stringify(answer)).toBe(200);
      expect(res.body, JSON.stringify(answer)).toMatchObject({ signal: "allow", method: "rules" });
    }
    fake.reset();
  });
});
