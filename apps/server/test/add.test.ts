import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants } from "../../../test/support/tenants.js";

let server: RunningServer;
let alice: ReturnType<typeof api>;
let bob: ReturnType<typeof api>;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
  const t = await twoTenants(server.url);
  alice = t.alice.api;
  bob = t.bob.api;
});
afterAll(() => server.stop());

describe("POST /add (rules path, no LLM configured)", () => {
  it("answers the contract's example: one memory, two skipped, the exchange saved as a conversation", async () => {
    const res = await alice.post("/add", {
      messages: [
        { role: "user", content: "I moved to Lisbon last spring and I work as a data engineer." },
        { role: "assistant", content: "Nice!" },
        { role: "user", content: "Thanks!" },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      results: [{ memory: "I moved to Lisbon last spring and I work as a data engineer.", event: "ADD" }],
      stored: 1,
      skipped: 2,
      method: "rules",
    });
    const memory = await alice.get(`/memory/${res.body.results[0].id}`);
    expect(memory.body).toMatchObject({ content: "I moved to Lisbon last spring and I work as a data engineer.", source: "add", category: "fact", importance: 5 });
    const conv = await alice.get(`/conversations/${res.body.conversation_id}`);
    expect(conv.body).toMatchObject({ agent: "add" });
    expect(conv.body.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ["user", "I moved to Lisbon last spring and I work as a data engineer."],
      ["assistant", "Nice!"],
      ["user", "Thanks!"],
    ]);
    // Stored through the store path: the FTS row makes it searchable at once.
    const found = await alice.post("/search", { query: "Lisbon data engineer" });
    expect(found.body.results.map((r: { id: number }) => r.id)).toContain(res.body.results[0].id);
  });

  it("answers a near-duplicate as NONE with the existing id and raises its source_count", async () => {
    const first = await alice.post("/add", { messages: "I prefer tea over coffee in the morning." });
    expect(first.body.results).toEqual([{ id: expect.any(Number), memory: "I prefer tea over coffee in the morning.", event: "ADD" }]);
    const id = first.body.results[0].id;
    expect((await alice.get(`/memory/${id}`)).body).toMatchObject({ category: "preference", source_count: 1 });
    const again = await alice.post("/add", { messages: [{ role: "user", content: "I prefer tea over coffee in the morning!" }] });
    expect(again.body).toMatchObject({ results: [{ id, event: "NONE" }], stored: 0 });
    expect((await alice.get(`/memory/${id}`)).body.source_count).toBe(2);
  });

  it("keeps the session on memories and on one conversation per (agent, session); options apply", async () => {
    const a = await alice.post("/add", {
      messages: [
        { role: "user", content: "We deploy the billing service every Tuesday at noon." },
        { role: "assistant", content: "I will remember that your team deploys billing on Tuesdays." },
      ],
      session_id: "sess-42",
      agent: "claude-code",
      category: "ops",
      importance: 8,
      tags: ["Billing"],
      include_assistant: true,
      metadata: { repo: "billing" },
    });
    expect(a.status).toBe(200);
    expect(a.body.stored).toBe(2);
    for (const r of a.body.results) {
      expect((await alice.get(`/memory/${r.id}`)).body).toMatchObject({ session_id: "sess-42", source: "claude-code", category: "ops", importance: 8, tags: ["billing"] });
    }
    const b = await alice.post("/add", { messages: "Our staging database lives on host vega.", session_id: "sess-42", agent: "claude-code" });
    expect(b.body.conversation_id).toBe(a.body.conversation_id);
    const conv = await alice.get(`/conversations/${a.body.conversation_id}`);
    expect(conv.body).toMatchObject({ session_id: "sess-42", agent: "claude-code", metadata: { repo: "billing" } });
    expect(conv.body.messages).toHaveLength(3);
    // Without include_assistant the assistant's sentence is not remembered.
    const c = await alice.post("/add", { messages: [{ role: "assistant", content: "I think your favourite language is Rust." }] });
    expect(c.body).toMatchObject({ results: [], stored: 0, skipped: 1 });
  });

  it("sends the results to the inbox with review_status pending: readable by id, not searchable", async () => {
    const res = await alice.post("/add", { messages: "I keep the zephyrine backup keys in the office safe.", review_status: "pending" });
    expect(res.body.stored).toBe(1);
    const id = res.body.results[0].id;
    expect((await alice.get(`/memory/${id}`)).status).toBe(200);
    expect((await alice.post("/search", { query: "zephyrine backup keys" })).body.results).toEqual([]);
  });

  it("stores into an episode of the caller's; another tenant's episode is a 404 and stores nothing", async () => {
    const ep = (await alice.post("/episodes", { title: "Move" })).body.id;
    const res = await alice.post("/add", { messages: "I signed the lease for the flat in Porto.", episode_id: ep });
    expect(res.status).toBe(200);
    const episode = await alice.get(`/episodes/${ep}`);
    expect(episode.body.memory_count).toBe(1);
    expect(episode.body.memories.map((m: { id: number }) => m.id)).toEqual([res.body.results[0].id]);
    const foreign = await bob.post("/add", { messages: "I signed the lease for a flat in Faro.", episode_id: ep });
    expect(foreign.status).toBe(404);
    expect((await bob.get("/conversations")).body.conversations).toEqual([]);
    expect((await bob.post("/search", { query: "lease flat Faro" })).body.results).toEqual([]);
  });

  it("keeps tenants apart: bob's /add never answers NONE with alice's memory", async () => {
    const res = await bob.post("/add", { messages: "I prefer tea over coffee in the morning." });
    expect(res.body.results[0].event).toBe("ADD");
    expect((await alice.get(`/memory/${res.body.results[0].id}`)).status).toBe(404);
    expect((await alice.get(`/conversations/${res.body.conversation_id}`)).status).toBe(404);
  });

  it("answers 400 naming the field and 413 for a message over 102,400 bytes, storing nothing", async () => {
    const before = (await alice.get("/conversations?limit=100")).body.conversations.length;
    const cases: [unknown, RegExp][] = [
      [{}, /^messages: is required/],
      [{ messages: [] }, /^messages: must hold at least one message/],
      [{ messages: "  " }, /^messages: must not be empty/],
      [{ messages: 42 }, /^messages: /],
      [{ messages: [{ role: "user" }] }, /^messages\.0\.content: is required/],
      [{ messages: [{ role: "robot", content: "hi" }] }, /^messages\.0\.role: /],
      [{ messages: "I like it a lot", importance: 11 }, /^importance: /],
      [{ messages: "I like it a lot", review_status: "rejected" }, /^review_status: /],
      [{ messages: "I like it a lot", include_assistant: "yes" }, /^include_assistant: /],
      [{ messages: "I like it a lot", space_id: 999999 }, /^space_id: /],
    ];
    for (const [body, error] of cases) {
      const res = await alice.post("/add", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatch(error);
    }
    const big = await alice.post("/add", { messages: [{ role: "user", content: "I like big messages. " + "x".repeat(102_400) }] });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatch(/^messages\.0\.content: must be at most 102400 bytes/);
    expect((await alice.get("/conversations?limit=100")).body.conversations.length).toBe(before);
  });
});
