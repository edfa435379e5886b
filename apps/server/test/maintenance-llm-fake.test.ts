import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningServer } from "../../../test/support/server.js";
import type { FakeLlm } from "../../../test/support/fake-llm.js";
import { startServerWithFakeLlm } from "../../../test/support/fake-llm-server.js";
import type { Client } from "../../../test/support/tenants.js";
import { openDb } from "@engram/core";

/**
 * The LLM paths of consolidation, reflections and growth against a FAKE OpenAI-compatible
 * endpoint (a remote LLM cannot exist here). A good answer is used and says `method: "llm"`;
 * garbage, a 429 or an endpoint that never answers falls back to the rules path and the request
 * still succeeds. Each failure is followed by a success, so the client's circuit (three
 * failures in a row) never opens between tests.
 */

let server: RunningServer;
let fake: FakeLlm;
let alice: Client;
let bob: Client;

const GARBAGE = { content: "I am not JSON at all, sorry" } as const;
const RATE_LIMITED = [{ status: 429 }, { status: 429 }] as const;
const HANG = { hang: true } as const;

async function store(c: Client, content: string, extra: Record<string, unknown> = {}): Promise<number> {
  const res = await c.post("/store", { content, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as number;
}

function ageInDb(ids: number[], days: number): void {
  const db = openDb({ path: server.dbPath });
  try {
    const at = new Date(Date.now() - days * 86_400_000).toISOString();
    for (const id of ids) db.sqlite.prepare("UPDATE memories SET created_at = ? WHERE id = ?").run(at, id);
  } finally {
    db.close();
  }
}

let stop: () => Promise<void>;

beforeAll(async () => {
  ({ fake: fake, server, alice, bob, stop } = await startServerWithFakeLlm());
});
afterAll(() => stop());
beforeEach(() => fake.reset());

describe("consolidation with a fake LLM", () => {
  it("uses the LLM's paragraph when it is no longer than the bullet merge", async () => {
    const a = await store(alice, "The build cache lives on the NAS at /srv/cache");
    const b = await store(alice, "The NAS cache is cleaned every Sunday night");
    fake.answer({ json: { summary: "The build cache is on the NAS at /srv/cache, cleaned Sunday nights." } });
    const res = await alice.post("/consolidate", { memory_ids: [a, b] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ method: "llm", content: "The build cache is on the NAS at /srv/cache, cleaned Sunday nights.", source: "consolidation" });
    const sent = JSON.stringify(fake.requests[0]);
    expect(sent).toContain("/srv/cache");
    expect(sent).toContain("Sunday night");
  });

  it.each([
    ["garbage", [GARBAGE]],
    ["a 429", RATE_LIMITED],
    ["a timeout", [HANG]],
    ["a summary longer than the merge", [{ json: { summary: "x".repeat(5000) } }]],
  ] as const)("falls back to the bullet merge on %s, and the request still succeeds", async (_name, answers) => {
    const a = await store(alice, `Printer ${answers.length}${_name.length} on floor two jams with thick paper`);
    const b = await store(alice, `Use the tray ${_name.length} bypass for card stock on that printer`);
    fake.answer(...answers);
    const res = await alice.post("/consolidate", { memory_ids: [a, b] });
    expect(res.status).toBe(201);
    expect(res.body.method).toBe("rules");
    expect(res.body.content).toMatch(/^\[Consolidated: Printer/);
    // A success afterwards keeps the circuit closed for the next case.
    fake.answer({ json: { summary: "ok" } });
    const c = await store(alice, `Circuit keeper ${_name} one`);
    const d = await store(alice, `Circuit keeper ${_name} two`);
    expect((await alice.post("/consolidate", { memory_ids: [c, d] })).body.method).toBe("llm");
  });
});

describe("reflections with a fake LLM", () => {
  it("a period reflection takes the LLM's summary and themes; garbage falls back to the rules", async () => {
    await store(bob, "Bob tuned the Postgres autovacuum settings", { category: "ops" });
    fake.answer({ json: { summary: "Bob spent the week on database tuning.", themes: ["postgres", "tuning"] } });
    const llm = await bob.post("/reflect", { period: "week" });
    expect(llm.status).toBe(201);
    expect(llm.body).toMatchObject({ method: "llm", content: "Bob spent the week on database tuning.", themes: ["postgres", "tuning"], reflection_type: "period" });
    // Alice's memories never reach a prompt made for Bob.
    expect(JSON.stringify(fake.requests)).not.toContain("NAS");

    fake.answer(GARBAGE);
    const rules = await bob.post("/reflect", { period: "week" });
    expect(rules.status).toBe(201);
    expect(rules.body.method).toBe("rules");
    expect(rules.body.content).toMatch(/^1 memory this week; mostly ops/);
  });

  it("generate asks the LLM per candidate and falls back per candidate", async () => {
    const first = await store(bob, "Bob's backup restore drill is overdue", { importance: 9 });
    const second = await store(bob, "Bob's SSL certificates expire in spring", { importance: 7 });
    ageInDb([first, second], 8);
    fake.answer({ json: { action: "archive", rationale: "The drill was replaced by automated restores." } }, { json: { action: "delete everything", rationale: "no" } });
    const res = await bob.post("/reflections/generate");
    expect(res.status).toBe(200);
    const [a, b] = res.body.reflections;
    expect(a).toMatchObject({ source_memory_ids: [first], reflection_type: "archive", method: "llm", confidence: 0.9 });
    expect(a.content).toBe("[archive] unused general memory (importance 9): The drill was replaced by automated restores.");
    // An action outside the three is refused: that candidate gets the rule (importance 7 → enrich).
    expect(b).toMatchObject({ source_memory_ids: [second], reflection_type: "enrich", method: "rules" });
    fake.answer({ json: { summary: "ok", themes: [] } });
    expect((await bob.post("/reflect")).body.method).toBe("llm");
  });
});

describe("growth with a fake LLM", () => {
  it("stores an observation as a growth memory and a reflection, scrubbing secrets; lists and promotes it", async () => {
    fake.answer({ json: { observation: "The user prefers small commits; their deploy token=abc123secret must never be logged." } });
    const res = await alice.post("/growth/reflect", { service: "claude-code", context: ["asked for smaller commits", "asked again"], existing_growth: "none yet" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ method: "llm" });
    expect(res.body.observation).toContain("token=[REDACTED]");
    expect(res.body.observation).not.toContain("abc123secret");
    const memory = (await alice.get(`/memory/${res.body.stored_memory_id}`)).body;
    expect(memory).toMatchObject({ category: "growth", source: "claude-code-growth", importance: 7, content: res.body.observation });
    const refl = (await alice.get("/reflections?type=growth")).body.reflections[0];
    expect(refl).toMatchObject({ id: res.body.reflection_id, source_memory_ids: [res.body.stored_memory_id] });
    const obs = (await alice.get("/growth/observations")).body;
    expect(obs.observations[0]).toMatchObject({ id: res.body.stored_memory_id, source: "claude-code-growth", importance: 7 });
    expect((await bob.get("/growth/observations")).body.count).toBe(0);

    expect((await bob.post("/growth/materialize", { observation_id: res.body.stored_memory_id })).status).toBe(404);
    const made = await alice.post("/growth/materialize", { observation_id: res.body.stored_memory_id });
    expect(made.status).toBe(201);
    expect((await alice.get(`/memory/${made.body.memory_id}`)).body).toMatchObject({ category: "insight", importance: 8, content: res.body.observation });
    expect((await alice.post("/growth/materialize", { observation_id: res.body.stored_memory_id })).status).toBe(409);
    expect((await alice.get(`/memory/${res.body.stored_memory_id}`)).status).toBe(200);
  });

  it("answers 200 with the reason when the model says nothing or fails", async () => {
    fake.answer({ json: { observation: null } });
    expect((await alice.post("/growth/reflect", { service: "s", context: ["c"] })).body).toEqual({
      observation: null,
      stored_memory_id: null,
      reflection_id: null,
      reason: "nothing_observed",
    });
    fake.answer({ json: { observation: "NOTHING" } });
    expect((await alice.post("/growth/reflect", { service: "s", context: ["c"] })).body.reason).toBe("nothing_observed");
    fake.answer(...RATE_LIMITED);
    const failed = await alice.post("/growth/reflect", { service: "s", context: ["c"] });
    expect(failed.status).toBe(200);
    expect(failed.body.reason).toBe("llm_failed");
  });
});
