import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeLlm } from "../../../test/support/fake-llm.js";
import { startServerWithFakeLlm } from "../../../test/support/fake-llm-server.js";
import type { RunningServer } from "../../../test/support/server.js";
import type { Client } from "../../../test/support/tenants.js";

/**
 * The LLM paths of extraction, the same-value check, decomposition and /derive, against a FAKE
 * OpenAI-compatible endpoint (a remote LLM cannot exist here). Post-store jobs are off
 * (ENGRAM_INTELLIGENCE_JOBS=0) so that every model call comes from the request under test and
 * takes the answers queued for it. Successes run first: three failures in a row open the circuit.
 */
let llm: FakeLlm;
let server: RunningServer;
let alice: Client;
let bob: Client;

let stop: () => Promise<void>;

beforeAll(async () => {
  ({ fake: llm, server, alice, bob, stop } = await startServerWithFakeLlm());
});
afterAll(() => stop());
beforeEach(() => llm.reset());

const store = async (who: Client, content: string) => (await who.post("/store", { content })).body.id as number;
const facts = async (who: Client, id: number) => (await who.get(`/facts?memory_id=${id}`)).body.facts as Record<string, unknown>[];

describe("with a fake LLM answering", () => {
  it("extraction takes the model's facts, validated and normalised (subject user, snake_case predicate)", async () => {
    const id = await store(alice, "Moved to the Big Apple last month, loving it.");
    llm.answer({ json: { facts: [{ subject: "I", predicate: "lives in", object: "New York City.", exclusive: true, valid_at: "2026-01-15" }, { subject: "", predicate: "x", object: "dropped" }] } });
    const res = await alice.post("/intelligence/extract", { memory_id: id });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ memory_id: id, facts: 1, method: "llm" });
    expect(await facts(alice, id)).toMatchObject([{ subject: "user", predicate: "lives_in", object: "New York City", exclusive: true, method: "llm", confidence: 0.8, valid_at: "2026-01-15T00:00:00.000Z" }]);
    const sent = llm.requests[0]!;
    expect(sent).toMatchObject({ model: "fake-model", response_format: { type: "json_object" }, temperature: 0.1 });
    expect(JSON.stringify(sent.messages)).toContain("Moved to the Big Apple");
  });

  it("a value pair the model calls one thing is no contradiction; a real conflict stays", async () => {
    const nyc = await store(alice, "I live in NYC.");
    // The extraction, then the same-value question the new pair raises (NYC could be New York City).
    llm.answer({ json: { facts: [{ subject: "user", predicate: "lives_in", object: "NYC" }] } }, { json: { same_value: true } });
    await alice.post("/intelligence/extract", { memory_id: nyc });
    llm.answer({ json: { same_value: true } });
    expect((await alice.post("/contradictions")).body.count).toBe(0);
    expect(JSON.stringify(llm.requests.at(-1)!.messages)).toContain("Value A: New York City");
    llm.answer({ json: { same_value: false } });
    expect((await alice.post("/contradictions")).body).toMatchObject({ count: 1, contradictions: [{ kind: "value", object_a: "New York City", object_b: "NYC" }] });
    // Berlin and New York City cannot be spellings of one place: no question is asked.
    const before = llm.requests.length;
    const berlin = await store(alice, "I live in Berlin.");
    llm.answer({ json: { facts: [{ subject: "user", predicate: "lives_in", object: "Berlin" }] } });
    await alice.post("/intelligence/extract", { memory_id: berlin });
    expect(llm.requests.length).toBe(before + 1);
  });

  it("decomposition takes the model's statements (tier llm)", async () => {
    const id = await store(alice, "The backup job runs at 02:00 on vega and it writes to /srv/backup, which the ops team checks every Monday.");
    llm.answer({ json: { facts: ["The backup job runs at 02:00 on vega.", "The backup job writes to /srv/backup.", "The ops team checks /srv/backup every Monday.", 42] } });
    const res = await alice.post(`/intelligence/decompose/${id}`);
    expect(res.body).toMatchObject({ tier: "llm", method: "llm" });
    expect(res.body.child_ids).toHaveLength(3);
    expect((await alice.get(`/memory/${res.body.child_ids[1]}`)).body).toMatchObject({ content: "The backup job writes to /srv/backup.", category: "fact" });
  });

  it("derive keeps only conclusions whose sources are among the premises", async () => {
    const a = await store(alice, "Dana leads the payments team.");
    const b = await store(alice, "The payments team owns the ledger service.");
    const foreign = await store(bob, "Bob's secret note.");
    llm.answer({
      json: {
        derived: [
          { content: "Dana is responsible for the ledger service.", source_ids: [a, b], confidence: 0.7 },
          { content: "Leaks another tenant's memory.", source_ids: [a, foreign], confidence: 0.9 },
        ],
      },
    });
    const res = await alice.post("/derive", { memory_ids: [a, b], dry_run: true });
    expect(res.body).toEqual({ derived: [{ id: null, content: "Dana is responsible for the ledger service.", source_ids: [a, b], confidence: 0.7 }], count: 1, method: "llm" });
    expect(JSON.stringify(llm.requests[0]!.messages)).not.toContain("secret");
  });
});

describe("with a fake LLM failing, every request still succeeds by the rules", () => {
  it("garbage: extraction falls back to the rules facts", async () => {
    const id = await store(alice, "I work at Globex.");
    llm.answer({ content: "Sure! Here are the facts: the user works somewhere" });
    const res = await alice.post("/intelligence/extract", { memory_id: id });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ facts: 1, method: "rules" });
    expect(await facts(alice, id)).toMatchObject([{ predicate: "works_at", object: "Globex", method: "rules" }]);
    expect(llm.requests).toHaveLength(1);
  });

  it("429: decomposition falls back to the rules split", async () => {
    const id = await store(alice, "I live in Oslo and work at Acme as a backend engineer. The backup job runs at 02:00 on host vega.");
    llm.answer({ status: 429 }, { status: 429 });
    const res = await alice.post(`/intelligence/decompose/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tier: "tier2-rules", method: "rules" });
    expect(res.body.child_ids).toHaveLength(3);
    expect(llm.requests.length).toBeGreaterThanOrEqual(1);
  });

  it("timeout: derive falls back to fact chaining", async () => {
    const work = await store(alice, "I work at Initrode.");
    const place = await store(alice, "Initrode is located in Austin.");
    llm.setDefault({ hang: true });
    const res = await alice.post("/derive", { memory_ids: [work, place], dry_run: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ method: "rules", derived: [{ content: "User works at Initrode, which is located in Austin", source_ids: [work, place] }] });
  });
});
