import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants, type Client } from "../../../test/support/tenants.js";

/**
 * POST /batch (contracts/platform.md §7) over HTTP with the real embedder: ops in order in one
 * transaction, all or nothing, the envelope validated before anything runs, other tenants' ids
 * as 404s. A rolled-back store must leave no trace anywhere, the vector index included.
 */
let server: RunningServer;
let alice: Client;
let bob: Client;
let bobMemory: number;

const count = async (who: Client) => (await who.get("/stats")).body.active as number;
const vectorHits = async (who: Client, query: string) =>
  ((await who.post("/search", { query, channels: ["vector"], limit: 5 })).body.results as { content: string }[]).map((r) => r.content);

beforeAll(async () => {
  server = await startServer({ ENGRAM_INTELLIGENCE_JOBS: "0" });
  const t = await twoTenants(server.url);
  alice = t.alice.api;
  bob = t.bob.api;
  for (;;) {
    const info = (await t.admin.get("/admin/embedding-info")).body;
    if (info.status === "loaded") break;
    await new Promise((r) => setTimeout(r, 250));
  }
  bobMemory = (await bob.post("/store", { content: "Bob's zebrafish tank needs a new heater" })).body.id;
}, 120_000);
afterAll(() => server.stop());

describe("POST /batch", () => {
  it("runs stores, updates and links in order and commits them together", async () => {
    const first = (await alice.post("/store", { content: "The staging cluster runs Kubernetes 1.29" })).body.id as number;
    const res = await alice.post("/batch", {
      ops: [
        { op: "store", body: { content: "The billing database is backed up nightly at 02:00", tags: ["ops"], importance: 7 } },
        { op: "update", body: { id: first, content: "The staging cluster runs Kubernetes 1.31" } },
        { op: "link", body: { source_id: first, target_id: first + 1 } },
        { op: "store", body: { content: "The billing database is backed up nightly at 02:00" } },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const [stored, updated, linked, duplicate] = res.body.results;
    expect(res.body).toMatchObject({ total: 4, succeeded: 4, committed: true });
    expect(stored).toEqual({ index: 0, op: "store", success: true, result: { stored: true, id: expect.any(Number) } });
    expect(updated).toEqual({ index: 1, op: "update", success: true, result: { id: expect.any(Number), previous_id: first, updated: true } });
    expect(linked).toEqual({ index: 2, op: "link", success: true, result: { linked: true, source_id: first, target_id: first + 1 } });
    expect(duplicate).toEqual({ index: 3, op: "store", success: true, result: { stored: false, duplicate: true, existing_id: stored.result.id } });
    expect((await alice.get(`/memory/${stored.result.id}`)).body).toMatchObject({ source: "batch", tags: ["ops"], importance: 7 });
    expect((await alice.get(`/memory/${updated.result.id}`)).body).toMatchObject({ content: "The staging cluster runs Kubernetes 1.31", version: 2 });
    expect(await vectorHits(alice, "nightly backups of the billing DB")).toContain("The billing database is backed up nightly at 02:00");
  });

  it("rolls every earlier op back when one fails, answers with that op's status, and leaves no trace", async () => {
    const before = await count(alice);
    const content = "The quartz observatory opens its dome at dusk every Thursday";
    const res = await alice.post("/batch", {
      ops: [
        { op: "store", body: { content } },
        { op: "store", body: { content: "The copper kiln fires on Mondays" } },
        { op: "update", body: { id: 999_999, importance: 3 } },
      ],
    });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: "ops[2] (update): memory not found",
      failed_index: 2,
      results: [{ index: 2, op: "update", success: false, error: "memory not found" }],
      total: 3,
      succeeded: 0,
      committed: false,
    });
    expect(await count(alice)).toBe(before);
    expect((await alice.post("/search", { query: "quartz observatory dome" })).body.results).toEqual([]);
    // The vector index never heard of the rolled-back store.
    expect(await vectorHits(alice, content)).not.toContain(content);
    // And the same store succeeds afterwards as a new memory, not a duplicate of a ghost.
    expect((await alice.post("/store", { content })).status).toBe(201);
  });

  it("treats another tenant's memory as missing, in updates and links alike", async () => {
    const own = (await alice.post("/store", { content: "Alice keeps the deploy runbook in the wiki" })).body.id as number;
    for (const op of [
      { op: "update", body: { id: bobMemory, content: "hijacked" } },
      { op: "link", body: { source_id: own, target_id: bobMemory } },
    ]) {
      const res = await alice.post("/batch", { ops: [op] });
      expect(res.status).toBe(404);
      expect(res.body.committed).toBe(false);
    }
    expect((await bob.get(`/memory/${bobMemory}`)).body).toMatchObject({ content: "Bob's zebrafish tank needs a new heater", version: 1 });
    expect((await alice.get(`/links/${own}`)).body.links ?? []).toEqual([]);
  });

  it("refuses a malformed batch before anything runs, naming the path", async () => {
    const before = await count(alice);
    const cases: [unknown, string][] = [
      [{}, "ops: must be an array of {op, body}"],
      [{ ops: [] }, "ops: must hold 1 to 100 ops"],
      [{ ops: Array.from({ length: 101 }, () => ({ op: "store", body: { content: "x" } })) }, "ops: must hold 1 to 100 ops"],
      [{ ops: [{ op: "store", body: { content: "fine" } }, { op: "delete", body: {} }] }, "ops[1].op: must be one of store, update, link"],
      [{ ops: [{ op: "store", body: "text" }] }, "ops[0].body: must be an object"],
      [{ ops: [{ op: "store", body: { content: "ok" } }, { op: "store", body: {} }] }, "ops[1].body.content: is required"],
      [{ ops: [{ op: "update", body: { id: 1 } }] }, "ops[0].body: at least one of content, category, importance, tags is required"],
      [{ ops: [{ op: "link", body: { source_id: 1, target_id: 2, similarity: 2 } }] }, "ops[0].body.similarity: must be between 0 and 1"],
    ];
    for (const [body, error] of cases) {
      const res = await alice.post("/batch", body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error).toBe(error);
    }
    expect(await count(alice)).toBe(before);
  });

  it("needs the write scope", async () => {
    const reader = (await alice.post("/keys", { scopes: "read" })).body.key as string;
    expect((await api(server.url, reader).post("/batch", { ops: [{ op: "store", body: { content: "x" } }] })).status).toBe(403);
  });
});
