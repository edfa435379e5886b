import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb } from "@engram/core";
import { startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants, type Client } from "../../../test/support/tenants.js";

/** Valence, sentiment and causal chains over HTTP, with the post-store job running for real. */

let server: RunningServer;
let alice: Client;
let bob: Client;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_JOB_POLL_MS: "50" });
  const t = await twoTenants(server.url);
  alice = t.alice.api;
  bob = t.bob.api;
});
afterAll(() => server.stop());

async function store(who: Client, content: string, extra: Record<string, unknown> = {}): Promise<number> {
  const res = await who.post("/store", { content, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as number;
}

/** The result of the memory's post_store job once it completed (its steps' returns by name). */
async function postStoreResult(who: Client, memoryId: number): Promise<Record<string, any>> {
  for (let i = 0; i < 600; i++) {
    const jobs = (await who.get("/jobs?type=post_store&limit=1000")).body.jobs as { payload: { memoryId: number }; status: string; result: any }[];
    const job = jobs.find((j) => j.payload.memoryId === memoryId);
    if (job?.status === "completed") return job.result;
    if (job?.status === "failed") throw new Error(`post_store of ${memoryId} failed`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`post_store of ${memoryId} did not complete in 30 s`);
}

function setValenceNull(memoryId: number) {
  const db = openDb({ path: server.dbPath });
  try {
    db.sqlite.prepare("UPDATE memories SET valence = NULL, arousal = NULL, dominant_emotion = NULL WHERE id = ?").run(memoryId);
  } finally {
    db.close();
  }
}

describe("valence", () => {
  let angry: number;
  let plain: number;

  beforeAll(async () => {
    angry = await store(alice, "I am so angry about the outage last night");
    plain = await store(alice, "The weekly meeting is at noon in room 4");
    await postStoreResult(alice, angry);
    await postStoreResult(alice, plain);
  });

  it("every new memory is scored by its post-store job", async () => {
    const res = await alice.get(`/intelligence/valence/${angry}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ memory_id: angry, valence: -0.7, arousal: 0.7, dominant_emotion: "anger" });
    expect((await alice.get(`/intelligence/valence/${plain}`)).body).toEqual({ memory_id: plain, valence: 0, arousal: 0, dominant_emotion: "neutral" });
  });

  it("scores text: weighted means, every emotion found, negated words skipped", async () => {
    const res = await alice.post("/intelligence/valence/score", { content: "Grateful and calm after the long week" });
    expect(res.status).toBe(200);
    // Means weighted by |valence|: (0.6·0.6 + 0.3·0.3) / 0.9 = 0.5; (0.3·0.6 + 0.1·0.3) / 0.9 = 0.23.
    expect(res.body).toEqual({
      valence: 0.5,
      arousal: 0.23,
      dominant_emotion: "gratitude",
      all_emotions: [
        { emotion: "calm", valence: 0.3, arousal: 0.1 },
        { emotion: "gratitude", valence: 0.6, arousal: 0.3 },
      ],
    });
    expect((await alice.post("/intelligence/valence/score", { content: "I am not happy with it" })).body).toMatchObject({ dominant_emotion: "neutral", valence: 0, all_emotions: [] });
  });

  it("scoring a memory by id writes its columns", async () => {
    setValenceNull(angry);
    expect((await alice.get(`/intelligence/valence/${angry}`)).body).toEqual({ memory_id: angry, valence: null, arousal: null, dominant_emotion: null });
    const res = await alice.post("/intelligence/valence/score", { memory_id: angry });
    expect(res.body).toMatchObject({ valence: -0.7, dominant_emotion: "anger" });
    expect((await alice.get(`/intelligence/valence/${angry}`)).body.dominant_emotion).toBe("anger");
  });

  it("profile groups the user's own scored memories", async () => {
    const res = await alice.get("/intelligence/valence/profile");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      emotions: [
        { dominant_emotion: "anger", count: 1, avg_valence: -0.7, avg_arousal: 0.7 },
        { dominant_emotion: "neutral", count: 1, avg_valence: 0, avg_arousal: 0 },
      ],
      overall: { avg_valence: -0.35, avg_arousal: 0.35, positive_count: 0, negative_count: 1, neutral_count: 1 },
    });
    expect((await bob.get("/intelligence/valence/profile")).body).toEqual({
      emotions: [],
      overall: { avg_valence: 0, avg_arousal: 0, positive_count: 0, negative_count: 0, neutral_count: 0 },
    });
  });

  it("another tenant's memory is a 404, exactly like a missing one", async () => {
    for (const res of [
      await bob.get(`/intelligence/valence/${angry}`),
      await bob.post("/intelligence/valence/score", { memory_id: angry }),
      await bob.post("/intelligence/sentiment/analyze", { memory_id: angry }),
      await alice.get("/intelligence/valence/999999"),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: "memory not found" });
    }
  });

  it("bad input is a 400 naming the field", async () => {
    for (const [body, error] of [
      [{}, "content: is required when memory_id is not given"],
      [{ content: "   " }, "content: must not be empty or whitespace"],
      [{ memory_id: "x" }, "memory_id: must be an integer"],
      [{ memory_id: 0 }, "memory_id: must be a positive integer"],
      [{ memory_id: 1, content: "x" }, "content: give memory_id or content, not both"],
    ] as const) {
      const res = await alice.post("/intelligence/valence/score", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toEqual({ error });
    }
    expect((await alice.get("/intelligence/valence/abc")).status).toBe(400);
  });
});

describe("sentiment", () => {
  it("analyzes text: word weights, negation, label", async () => {
    const res = await alice.post("/intelligence/sentiment/analyze", { content: "This is great, I love it" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ score: 5, label: "positive", sum: 5, word_count: 6 });
    expect((await alice.post("/intelligence/sentiment/analyze", { content: "The fix is not good" })).body).toEqual({ score: -2, label: "negative", sum: -2, word_count: 5 });
    expect((await alice.post("/intelligence/sentiment/analyze", { content: "It is fine" })).body.label).toBe("neutral");
  });

  it("history lists the user's own newest memories with their scores", async () => {
    const id = await store(alice, "The migration was a disaster and the rollback failed");
    const res = await alice.get("/intelligence/sentiment/history?limit=2");
    expect(res.status).toBe(200);
    expect(res.body.history).toHaveLength(2);
    expect(res.body.history[0]).toMatchObject({ memory_id: id, score: -5 });
    const future = await alice.get(`/intelligence/sentiment/history?since=${encodeURIComponent("2999-01-01T00:00:00Z")}`);
    expect(future.body).toEqual({ history: [] });
    expect((await bob.get("/intelligence/sentiment/history")).body).toEqual({ history: [] });
  });

  it("bad input is a 400 naming the field", async () => {
    expect((await alice.get("/intelligence/sentiment/history?limit=0")).body).toEqual({ error: "limit: must be between 1 and 100" });
    expect((await alice.get("/intelligence/sentiment/history?since=yesterday")).body).toEqual({ error: "since: must be an ISO-8601 timestamp" });
    expect((await alice.post("/intelligence/sentiment/analyze", { content: 5 })).body).toEqual({ error: "content: must be a string" });
  });
});

describe("causal chains", () => {
  let a: number;
  let b: number;
  let c: number;
  let chainId: number;

  beforeAll(async () => {
    a = await store(alice, "Cause A: the certificate on the load balancer expired");
    b = await store(alice, "Effect B: clients could not connect over TLS");
    c = await store(alice, "Effect C: the mobile app showed a login error");
  });

  it("creates, reads and lists chains with their links in order", async () => {
    const created = await alice.post("/intelligence/causal/chains", { root_memory_id: a, description: "TLS incident" });
    expect(created.status).toBe(201);
    chainId = created.body.id;
    expect(created.body).toMatchObject({ root_memory_id: a, description: "TLS incident", confidence: 1, links: [] });
    const second = await alice.post("/intelligence/causal/links", { chain_id: chainId, cause_memory_id: b, effect_memory_id: c, strength: 0.6, order_index: 1 });
    const first = await alice.post("/intelligence/causal/links", { chain_id: chainId, cause_memory_id: a, effect_memory_id: b, strength: 0.9 });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ chain_id: chainId, cause_memory_id: a, effect_memory_id: b, strength: 0.9, order_index: 0 });
    const chain = (await alice.get(`/intelligence/causal/chains/${chainId}`)).body;
    expect(chain.links.map((l: { id: number }) => l.id)).toEqual([first.body.id, second.body.id]);
    expect((await alice.get("/intelligence/causal/chains")).body.chains.map((ch: { id: number }) => ch.id)).toContain(chainId);
  });

  it("mirrors each link as a caused_by memory link, effect → cause", async () => {
    const links = (await alice.get(`/links/${b}`)).body.links as { source_id: number; target_id: number; type: string }[];
    expect(links).toContainEqual(expect.objectContaining({ source_id: b, target_id: a, type: "caused_by" }));
  });

  it("walks back breadth-first, bounded by max_depth, with the weakest link of the path", async () => {
    const res = await alice.post(`/intelligence/causal/backward/${c}`, {});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ancestors: [
        { memory_id: b, depth: 1, strength_min: 0.6 },
        { memory_id: a, depth: 2, strength_min: 0.6 },
      ],
      max_depth: 5,
      count: 2,
    });
    expect((await alice.post(`/intelligence/causal/backward/${c}`, { max_depth: 1 })).body.ancestors).toEqual([{ memory_id: b, depth: 1, strength_min: 0.6 }]);
    // A shorter path wins over a longer one; at one depth the stronger path does.
    await alice.post("/intelligence/causal/links", { chain_id: chainId, cause_memory_id: a, effect_memory_id: c, strength: 0.3 });
    expect((await alice.post(`/intelligence/causal/backward/${c}`)).body.ancestors).toEqual([
      { memory_id: b, depth: 1, strength_min: 0.6 },
      { memory_id: a, depth: 1, strength_min: 0.3 },
    ]);
  });

  it("another tenant's chain or memory is a 404 and never listed", async () => {
    expect((await bob.get(`/intelligence/causal/chains/${chainId}`)).status).toBe(404);
    expect((await bob.get("/intelligence/causal/chains")).body).toEqual({ chains: [] });
    expect((await bob.post(`/intelligence/causal/backward/${c}`)).status).toBe(404);
    const bobMemory = await store(bob, "Bob's own note about certificates");
    const bobChain = (await bob.post("/intelligence/causal/chains", {})).body.id as number;
    expect((await bob.post("/intelligence/causal/chains", { root_memory_id: a })).body).toEqual({ error: `root_memory_id ${a}: memory not found` });
    expect((await bob.post("/intelligence/causal/links", { chain_id: chainId, cause_memory_id: bobMemory, effect_memory_id: bobMemory + 1 })).body).toEqual({
      error: `chain_id ${chainId}: causal chain not found`,
    });
    const foreign = await bob.post("/intelligence/causal/links", { chain_id: bobChain, cause_memory_id: bobMemory, effect_memory_id: a });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual({ error: `effect_memory_id ${a}: memory not found` });
    expect((await bob.get(`/links/${bobMemory}`)).body.links).toEqual([]);
  });

  it("bad input is a 400 naming the field", async () => {
    for (const [body, error] of [
      [{ chain_id: chainId, cause_memory_id: a, effect_memory_id: a }, "effect_memory_id: must differ from cause_memory_id"],
      [{ chain_id: chainId, cause_memory_id: a }, "effect_memory_id: is required"],
      [{ chain_id: chainId, cause_memory_id: a, effect_memory_id: b, strength: 2 }, "strength: must be between 0 and 1"],
      [{ chain_id: "one", cause_memory_id: a, effect_memory_id: b }, "chain_id: must be an integer"],
    ] as const) {
      const res = await alice.post("/intelligence/causal/links", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toEqual({ error });
    }
    expect((await alice.post("/intelligence/causal/chains", { description: "x".repeat(2001) })).body).toEqual({ error: "description: must be at most 2000 characters" });
    expect((await alice.post(`/intelligence/causal/backward/${c}`, { max_depth: 21 })).body).toEqual({ error: "max_depth: must be between 1 and 20" });
    expect((await alice.get("/intelligence/causal/chains?limit=501")).body).toEqual({ error: "limit: must be between 1 and 500" });
    expect((await alice.get("/intelligence/causal/chains/0")).status).toBe(400);
  });
});

describe("causal links detected on new memories", () => {
  it("links a new memory whose wording names a recent memory as its cause", async () => {
    const cause = await store(alice, "The disk on build server web-01 is full");
    await postStoreResult(alice, cause);
    const effect = await store(alice, "The nightly backup failed because the disk on web-01 was full");
    expect((await postStoreResult(alice, effect)).causal).toEqual({ links: 1 });
    const chains = (await alice.get("/intelligence/causal/chains")).body.chains as { root_memory_id: number; links: { cause_memory_id: number; effect_memory_id: number }[] }[];
    const detected = chains.find((ch) => ch.links.some((l) => l.effect_memory_id === effect));
    expect(detected).toMatchObject({ root_memory_id: cause, links: [{ cause_memory_id: cause, effect_memory_id: effect }] });
    expect((await alice.get(`/links/${effect}`)).body.links).toContainEqual(expect.objectContaining({ source_id: effect, target_id: cause, type: "caused_by" }));
  });

  it("links nothing without a close match, and never across tenants", async () => {
    const vague = await store(alice, "We ordered pizza because it was Friday");
    expect((await postStoreResult(alice, vague)).causal).toEqual({ links: 0 });
    // Bob writes the same effect as alice did; alice's "disk is full" memory is not his.
    const bobEffect = await store(bob, "The nightly backup failed because the disk on web-01 was full");
    expect((await postStoreResult(bob, bobEffect)).causal).toEqual({ links: 0 });
    expect((await bob.get(`/links/${bobEffect}`)).body.links.filter((l: { type: string }) => l.type === "caused_by")).toEqual([]);
  });
});
