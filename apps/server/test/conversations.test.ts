import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants } from "../../../test/support/tenants.js";

let server: RunningServer;
let alice: ReturnType<typeof api>;
let bob: ReturnType<typeof api>;
let reader: ReturnType<typeof api>;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
  const t = await twoTenants(server.url);
  alice = t.alice.api;
  bob = t.bob.api;
  const key = await t.admin.post("/keys", { user_id: t.alice.id, scopes: "read" });
  reader = api(server.url, key.body.key);
});
afterAll(() => server.stop());

const patch = (who: ReturnType<typeof api>, p: string, body: unknown) => who.raw("PATCH", p, body);

describe("/conversations", () => {
  it("creates, lists, reads, patches and deletes a conversation with its messages", async () => {
    const created = await alice.post("/conversations", { agent: "claude", session_id: "s-1", title: "Planning", metadata: { project: "atlas", n: [1, 2] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ agent: "claude", session_id: "s-1", title: "Planning", metadata: { project: "atlas", n: [1, 2] } });
    const id = created.body.id as number;

    const one = await alice.post(`/conversations/${id}/messages`, { role: "user", content: "We pick Postgres for the ledger." });
    expect(one.status).toBe(201);
    expect(one.body).toMatchObject({ conversation_id: id, role: "user", content: "We pick Postgres for the ledger.", metadata: null });
    const many = await alice.post(`/conversations/${id}/messages`, [
      { role: "assistant", content: "Noted: Postgres.", metadata: { tokens: 4 } },
      { role: "user", content: "And Redis for the cache." },
    ]);
    expect(many.status).toBe(201);
    expect(many.body.messages.map((m: { content: string }) => m.content)).toEqual(["Noted: Postgres.", "And Redis for the cache."]);

    const read = await alice.get(`/conversations/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(read.body.messages[1].metadata).toEqual({ tokens: 4 });
    const paged = await alice.get(`/conversations/${id}/messages?limit=1&offset=1`);
    expect(paged.body.messages.map((m: { content: string }) => m.content)).toEqual(["Noted: Postgres."]);

    const listed = await alice.get("/conversations?agent=claude");
    expect(listed.body.conversations).toEqual([expect.objectContaining({ id, message_count: 3 })]);

    const patched = await patch(alice, `/conversations/${id}`, { title: "Ledger planning", metadata: { project: "atlas-2" } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id, title: "Ledger planning", metadata: { project: "atlas-2" } });

    const gone = await alice.del(`/conversations/${id}`);
    expect(gone.body).toEqual({ deleted: true, id });
    expect((await alice.get(`/conversations/${id}`)).status).toBe(404);
    expect((await alice.post("/messages/search", { query: "Postgres" })).body.messages).toEqual([]);
  });

  it("bulk creates a conversation with its messages; upsert finds it again by agent and session", async () => {
    const bulk = await alice.post("/conversations/bulk", {
      agent: "cursor",
      title: "Bulk",
      messages: [
        { role: "user", content: "first" },
        { role: "assistant", content: "second" },
      ],
    });
    expect(bulk.status).toBe(201);
    expect(bulk.body).toMatchObject({ agent: "cursor", title: "Bulk", message_count: 2, session_id: null });

    const first = await alice.post("/conversations/upsert", { agent: "cursor", session_id: "sess-9", messages: [{ role: "user", content: "hello there" }] });
    expect(first.status).toBe(200);
    expect(first.body.message_count).toBe(1);
    const again = await alice.post("/conversations/upsert", { agent: "cursor", session_id: "sess-9", title: "Named", messages: [{ role: "user", content: "more" }] });
    expect(again.body).toMatchObject({ id: first.body.id, title: "Named", message_count: 2 });
    // The same session under another agent is another conversation.
    const other = await alice.post("/conversations/upsert", { agent: "claude", session_id: "sess-9" });
    expect(other.body.id).not.toBe(first.body.id);
    expect(other.body.message_count).toBe(0);
  });

  it("searches messages by words, best match first, scoped to a conversation or agent on request", async () => {
    const a = await alice.post("/conversations/bulk", {
      agent: "search-a",
      title: "Trip",
      messages: [
        { role: "user", content: "The kayak trip to Norway is booked for June" },
        { role: "user", content: "Norway again: kayak rental confirmed, kayak paddles too" },
      ],
    });
    const b = await alice.post("/conversations/bulk", { agent: "search-b", messages: [{ role: "user", content: "Norway taxes are due in April" }] });
    const hits = await alice.post("/messages/search", { query: "kayak Norway" });
    expect(hits.status).toBe(200);
    expect(hits.body.messages[0]).toMatchObject({ conversation_id: a.body.id, agent: "search-a", conv_title: "Trip" });
    expect(hits.body.messages[0].content).toContain("kayak paddles");
    const onlyB = await alice.post("/messages/search", { query: "Norway", agent: "search-b" });
    expect(onlyB.body.messages.map((m: { conversation_id: number }) => m.conversation_id)).toEqual([b.body.id]);
    const inA = await alice.post("/messages/search", { query: "Norway", conversation_id: a.body.id, limit: 1 });
    expect(inA.body.messages).toHaveLength(1);
    expect(inA.body.messages[0].conversation_id).toBe(a.body.id);
    // FTS5 syntax in the query is only words: no error, no operator.
    const syntax = await alice.post("/messages/search", { query: 'kayak" OR NEAR(* -' });
    expect(syntax.status).toBe(200);
    expect(syntax.body.messages.length).toBeGreaterThan(0);
    // A pure query: a read-only key may search.
    expect((await reader.post("/messages/search", { query: "kayak" })).status).toBe(200);
    expect((await reader.post("/conversations", { agent: "x" })).status).toBe(403);
  });

  it("keeps every tenant to its own conversations: another tenant's id is a 404 and never listed or matched", async () => {
    const mine = await alice.post("/conversations/bulk", { agent: "private", messages: [{ role: "user", content: "my zanzibar password hint" }] });
    const id = mine.body.id as number;
    expect((await bob.get(`/conversations/${id}`)).status).toBe(404);
    expect((await bob.get(`/conversations/${id}/messages`)).status).toBe(404);
    expect((await bob.post(`/conversations/${id}/messages`, { role: "user", content: "intrusion" })).status).toBe(404);
    expect((await patch(bob, `/conversations/${id}`, { title: "mine now" })).status).toBe(404);
    expect((await bob.del(`/conversations/${id}`)).status).toBe(404);
    expect((await bob.get("/conversations")).body.conversations).toEqual([]);
    expect((await bob.post("/messages/search", { query: "zanzibar" })).body.messages).toEqual([]);
    expect((await alice.post("/messages/search", { query: "zanzibar" })).body.messages).toHaveLength(1);
    // Bob's upsert of the same agent and session creates his own.
    const bobs = await bob.post("/conversations/upsert", { agent: "private", session_id: "x" });
    expect(bobs.body.user_id).not.toBe(mine.body.user_id);
    const read = await alice.get(`/conversations/${id}`);
    expect(read.body.messages).toHaveLength(1);
    expect(read.body.title).toBeNull();
  });

  it("answers 400 naming the field for bad input and 413 for a message over 102,400 bytes, changing nothing", async () => {
    const conv = (await alice.post("/conversations", { agent: "limits" })).body.id as number;
    const cases: [string, unknown, RegExp][] = [
      ["/conversations", {}, /^agent: is required/],
      ["/conversations", { agent: "" }, /^agent: /],
      ["/conversations", { agent: "a".repeat(101) }, /^agent: /],
      ["/conversations", { agent: "a", title: 5 }, /^title: /],
      ["/conversations", { agent: "a", metadata: { big: "x".repeat(17_000) } }, /^metadata: /],
      [`/conversations/${conv}/messages`, { role: "user" }, /content/],
      [`/conversations/${conv}/messages`, [], /body: /],
      [`/conversations/${conv}/messages`, { role: "", content: "x" }, /role/],
      ["/conversations/bulk", { agent: "a", messages: "no" }, /^messages: /],
      ["/conversations/upsert", { agent: "a" }, /^session_id: is required/],
      ["/messages/search", { query: "   " }, /^query: must not be empty/],
      ["/messages/search", { query: "x", limit: 0 }, /^limit: /],
      ["/messages/search", {}, /^query: is required/],
    ];
    for (const [path, body, error] of cases) {
      const res = await alice.post(path, body);
      expect(res.status, `${path} ${JSON.stringify(body).slice(0, 80)}`).toBe(400);
      expect(res.body.error).toMatch(error);
    }
    expect((await alice.raw("POST", "/conversations", "{not json")).status).toBe(400);
    expect((await alice.get("/conversations/abc")).status).toBe(400);
    expect((await alice.get("/conversations?limit=101")).status).toBe(400);

    const big = "x".repeat(102_401);
    const one = await alice.post(`/conversations/${conv}/messages`, { role: "user", content: big });
    expect(one.status).toBe(413);
    expect(one.body.error).toMatch(/^content: must be at most 102400 bytes/);
    const inArray = await alice.post(`/conversations/${conv}/messages`, [{ role: "user", content: "fine" }, { role: "user", content: big }]);
    expect(inArray.status).toBe(413);
    expect(inArray.body.error).toMatch(/^body\.1\.content/);
    expect((await alice.post("/conversations/bulk", { agent: "a", messages: [{ role: "user", content: big }] })).status).toBe(413);
    expect((await alice.post("/conversations/upsert", { agent: "a", session_id: "z", messages: [{ role: "user", content: big }] })).status).toBe(413);
    // Exactly at the limit is fine.
    expect((await alice.post(`/conversations/${conv}/messages`, { role: "user", content: "y".repeat(102_400) })).status).toBe(201);
    expect((await alice.get(`/conversations/${conv}`)).body.messages).toHaveLength(1);
    expect((await alice.get("/conversations?agent=a")).body.conversations).toEqual([]);
  });
});
