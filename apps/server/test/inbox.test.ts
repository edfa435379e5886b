import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type RunningServer } from "../../../test/support/server.js";
import { keyFor, twoTenants, type Client } from "../../../test/support/tenants.js";

/**
 * The review inbox over HTTP (contracts/intelligence.md §5.9), with the bundled embedder on so
 * that the vector channel is checked too: a pending memory is stored with its vector but must
 * not come back from any read path until approved.
 */
let server: RunningServer;
let admin: Client;
let alice: Client;
let bob: Client;
let aliceId: number;

/** Every read path that must leave pending and rejected memories out, each asked about `word`. */
const reads = (client: Client, word: string) => ({
  search: () => client.post("/search", { query: word, limit: 20 }),
  explain: () => client.post("/search/explain", { query: word, limit: 20 }),
  recall: () => client.post("/recall", { query: word, limit: 20 }),
  context: () => client.post("/context", { query: word }),
  list: () => client.get("/list?limit=1000"),
});

async function visibleIn(client: Client, word: string, id: number): Promise<string[]> {
  const seen: string[] = [];
  for (const [name, call] of Object.entries(reads(client, word))) {
    const res = await call();
    expect(res.status, name).toBe(200);
    const text = JSON.stringify(res.body);
    if (text.includes(word) || new RegExp(`"id":${id}[,}]`).test(text)) seen.push(name);
  }
  return seen;
}

const jobsOf = async (client: Client, memoryId: number) =>
  ((await client.get("/jobs?limit=200")).body.jobs as { type: string; payload: { memoryId?: number } }[])
    .filter((j) => j.payload?.memoryId === memoryId)
    .map((j) => j.type)
    .sort();

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "use-lite" });
  const t = await twoTenants(server.url);
  admin = t.admin;
  alice = t.alice.api;
  bob = t.bob.api;
  aliceId = t.alice.id;
  // Something approved for every read path to find, so an empty answer is not the only way to pass.
  await alice.post("/store", { content: "The office plant needs water every Monday" });
}, 120_000);
afterAll(() => server.stop());

describe("pending memories", () => {
  it("a store with review_status pending is hidden from search, explain, recall, context and list until approved", async () => {
    const stored = await alice.post("/store", { content: "Deploy window is Tuesday 14:00 UTC, quokkabridge release train", review_status: "pending" });
    expect(stored.status).toBe(201);
    expect(stored.body).toMatchObject({ stored: true, review_status: "pending" });
    const id = stored.body.id as number;
    expect(await visibleIn(alice, "quokkabridge", id)).toEqual([]);
    // Readable by id with its state, and listed on request.
    expect((await alice.get(`/memory/${id}`)).body).toMatchObject({ id, review_status: "pending" });
    const listed = await alice.get("/list?review_status=pending");
    expect(listed.body.results.map((m: { id: number }) => m.id)).toEqual([id]);
    // No links and no post-store work before the approval.
    expect(await jobsOf(alice, id)).toEqual([]);

    const inbox = await alice.get("/inbox");
    expect(inbox.status).toBe(200);
    expect(inbox.body).toEqual({
      pending: [
        {
          id,
          content: "Deploy window is Tuesday 14:00 UTC, quokkabridge release train",
          category: "general",
          source: "unknown",
          session_id: null,
          importance: 5,
          created_at: expect.any(String),
          tags: [],
          confidence: 1,
          decay_score: expect.any(Number),
          status: "pending",
          review_status: "pending",
          model: null,
        },
      ],
      count: 1,
      total: 1,
      offset: 0,
      limit: 50,
    });
    expect((await alice.get("/pending")).body).toEqual(inbox.body);

    expect((await alice.post(`/inbox/${id}/approve`)).body).toEqual({ approved: true, id });
    expect((await alice.get(`/memory/${id}`)).body.review_status).toBe("approved");
    expect(await visibleIn(alice, "quokkabridge", id)).toEqual(["search", "explain", "recall", "context", "list"]);
    expect(await jobsOf(alice, id)).toEqual(["auto_link", "post_store"]);
    expect((await alice.get("/inbox")).body).toMatchObject({ pending: [], count: 0, total: 0 });
  });

  it("status: pending is accepted as an alias; an approved store gets its jobs at once", async () => {
    const pending = await alice.post("/store", { content: "alias check: the marmotfinch runbook", status: "pending" });
    expect(pending.body.review_status).toBe("pending");
    const approved = await alice.post("/store", { content: "approved at once: the heronquill checklist" });
    expect(approved.body.review_status).toBe("approved");
    expect(await jobsOf(alice, approved.body.id)).toEqual(["auto_link", "post_store"]);
    expect((await alice.post("/store", { content: "x", review_status: "maybe" })).body.error).toMatch(/^review_status: /);
    await alice.post(`/inbox/${pending.body.id}/reject`, {});
  });

  it("reject archives the memory with the reason, keeps it readable by id, and lists it on request", async () => {
    const id = (await alice.post("/store", { content: "The wombatglass service runs on port 7000", review_status: "pending" })).body.id;
    expect((await alice.post(`/inbox/${id}/reject`, { reason: "wrong port" })).body).toEqual({ rejected: true, id });
    expect((await alice.get(`/memory/${id}`)).body).toMatchObject({ review_status: "rejected", status: "archived", forget_reason: "wrong port" });
    expect(await visibleIn(alice, "wombatglass", id)).toEqual([]);
    expect((await alice.get("/list?review_status=rejected")).body.results.map((m: { id: number }) => m.id)).toContain(id);
    // Settled: neither approvable nor rejectable again.
    expect((await alice.post(`/inbox/${id}/approve`)).status).toBe(409);
    expect((await alice.post(`/inbox/${id}/reject`)).status).toBe(409);
  });

  it("edit changes the memory in place, re-indexes and re-embeds the new content, and approves it", async () => {
    const id = (await alice.post("/store", { content: "The backup host is ibexlantern-1", review_status: "pending", tags: ["ops"] })).body.id;
    const edited = await alice.post(`/inbox/${id}/edit`, { content: "The backup host is otterspindle-2", importance: 8, tags: "Ops, backups" });
    expect(edited.status).toBe(200);
    expect(edited.body).toEqual({ approved: true, edited: true, id });
    const m = (await alice.get(`/memory/${id}`)).body;
    expect(m).toMatchObject({ id, version: 1, content: "The backup host is otterspindle-2", importance: 8, tags: ["ops", "backups"], review_status: "approved" });
    // The old words are gone from the index, the new ones found, by words and by meaning.
    expect((await alice.post("/search", { query: "ibexlantern", channels: ["fts"] })).body.results).toEqual([]);
    const fts = await alice.post("/search", { query: "otterspindle", channels: ["fts"] });
    expect(fts.body.results.map((r: { id: number }) => r.id)).toEqual([id]);
    const vec = await alice.post("/search", { query: "The backup host is otterspindle-2", channels: ["vector"] });
    expect(vec.body.results[0].id).toBe(id);
    expect(await jobsOf(alice, id)).toEqual(["auto_link", "post_store"]);
  });

  it("bulk approves and rejects what it can and lists the rest as failed", async () => {
    const a = (await alice.post("/store", { content: "bulk one: the falconmoss rota", review_status: "pending" })).body.id;
    const b = (await alice.post("/store", { content: "bulk two: the lynxpebble queue", review_status: "pending" })).body.id;
    const settled = (await alice.post("/store", { content: "bulk three: already approved badgerflint" })).body.id;
    const foreign = (await bob.post("/store", { content: "bob's pending yakharbor note", review_status: "pending" })).body.id;
    const res = await alice.post("/inbox/bulk", { ids: [a, foreign, settled, 999_999, b], action: "approve" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      action: "approve",
      count: 2,
      ids: [a, b],
      failed: [
        { id: foreign, error: "memory not found" },
        { id: settled, error: `memory ${settled} is not pending review (it is approved)` },
        { id: 999_999, error: "memory not found" },
      ],
    });
    // Bob's memory was not touched.
    expect((await bob.get(`/memory/${foreign}`)).body.review_status).toBe("pending");
    const c = (await alice.post("/store", { content: "bulk four: the ravenloom draft", review_status: "pending" })).body.id;
    expect((await alice.post("/inbox/bulk", { ids: [c], action: "reject", reason: "draft" })).body).toEqual({ action: "reject", count: 1, ids: [c], failed: [] });
    expect((await alice.get(`/memory/${c}`)).body).toMatchObject({ review_status: "rejected", forget_reason: "draft" });
  });

  it("another tenant's memory is a 404 on every inbox route, and never in the inbox", async () => {
    const id = (await bob.post("/store", { content: "bob's private draft: the gecko ledger", review_status: "pending" })).body.id;
    for (const path of [`/inbox/${id}/approve`, `/inbox/${id}/reject`, `/inbox/${id}/edit`]) {
      const res = await alice.post(path, path.endsWith("edit") ? { content: "taken over" } : {});
      expect(res.status, path).toBe(404);
      expect(res.body).toEqual({ error: "memory not found" });
    }
    expect(((await alice.get("/inbox")).body.pending as { id: number }[]).map((p) => p.id)).not.toContain(id);
    expect((await bob.get(`/memory/${id}`)).body).toMatchObject({ content: "bob's private draft: the gecko ledger", review_status: "pending" });
    expect((await alice.post("/inbox/424242/approve")).status).toBe(404);
  });

  it("bad input is a 400 naming the field, and changes nothing", async () => {
    const id = (await alice.post("/store", { content: "input check: the tapirgrove memo", review_status: "pending" })).body.id;
    const cases: [string, unknown, RegExp][] = [
      ["/inbox/bulk", { ids: [], action: "approve" }, /^ids: /],
      ["/inbox/bulk", { ids: ["x"], action: "approve" }, /^ids(\.0)?: /],
      ["/inbox/bulk", { ids: [id], action: "delete" }, /^action: /],
      ["/inbox/bulk", { ids: Array.from({ length: 501 }, (_, i) => i + 1), action: "approve" }, /^ids: /],
      [`/inbox/${id}/edit`, { importance: 11 }, /^importance: /],
      [`/inbox/${id}/edit`, { content: "   " }, /^content: /],
      [`/inbox/${id}/edit`, { tags: 5 }, /^tags: /],
    ];
    for (const [path, body, error] of cases) {
      const res = await alice.post(path, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatch(error);
    }
    expect((await alice.get("/inbox?limit=0")).body.error).toMatch(/^limit: /);
    expect((await alice.get("/inbox?limit=201")).status).toBe(400);
    expect((await alice.post("/inbox/abc/approve")).status).toBe(400);
    expect((await alice.get(`/memory/${id}`)).body).toMatchObject({ review_status: "pending", importance: 5 });
  });
});

describe("who writes into the inbox", () => {
  it("a key created with review_required writes pending memories, and cannot mint a key without it", async () => {
    const created = await admin.post("/keys", { user_id: aliceId, review_required: true });
    expect(created.status).toBe(201);
    expect(created.body.review_required).toBe(true);
    const agent = api(server.url, created.body.key);
    const stored = await agent.post("/store", { content: "agent note: the pelicanforge cache is warm" });
    expect(stored.body.review_status).toBe("pending");
    // Asking for approved does not get around the key's review.
    expect((await agent.post("/store", { content: "agent note two: the cranequartz flag", review_status: "approved" })).body.review_status).toBe("pending");
    const minted = await agent.post("/keys", {});
    expect(minted.body.review_required).toBe(true);
    const listed = (await admin.get(`/keys?user_id=${aliceId}`)).body.keys as { id: number; review_required: boolean }[];
    expect(listed.find((k) => k.id === created.body.id)?.review_required).toBe(true);
    // Alice's ordinary key still writes approved memories.
    expect((await alice.post("/store", { content: "alice herself: the ospreyvault plan" })).body.review_status).toBe("approved");
    expect((await admin.post("/keys", { user_id: aliceId, review_required: "yes" })).body.error).toMatch(/^review_required: /);
    const plain = await keyFor(server.url, admin, aliceId);
    expect((await plain.api.post("/store", { content: "plain key: the condorwick list" })).body.review_status).toBe("approved");
  });
});
