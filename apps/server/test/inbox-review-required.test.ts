import { afterAll, beforeAll, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants, type TwoTenants } from "../../../test/support/tenants.js";

/** ENGRAM_REVIEW_REQUIRED=1: what non-admin keys write waits in the inbox; an admin's key writes live memories. */
let server: RunningServer;
let t: TwoTenants;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_REVIEW_REQUIRED: "1" });
  t = await twoTenants(server.url);
});
afterAll(() => server.stop());

it("non-admin writes are pending, admin writes approved, and each tenant sees only its own inbox", async () => {
  const a = await t.alice.api.post("/store", { content: "alice's agent wrote this: the kestrel rota" });
  expect(a.body.review_status).toBe("pending");
  expect((await t.alice.api.post("/recall", { query: "kestrel rota" })).body.memories ?? []).toEqual([]);
  const b = await t.bob.api.post("/store", { content: "bob's agent wrote this: the heron rota" });
  expect(b.body.review_status).toBe("pending");
  expect((await t.admin.post("/store", { content: "the admin wrote this: the falcon rota" })).body.review_status).toBe("approved");
  expect((await t.alice.api.get("/inbox")).body.pending.map((p: { id: number }) => p.id)).toEqual([a.body.id]);
  expect((await t.bob.api.get("/inbox")).body.pending.map((p: { id: number }) => p.id)).toEqual([b.body.id]);
  expect((await t.alice.api.post(`/inbox/${a.body.id}/approve`)).status).toBe(200);
  const recalled = JSON.stringify((await t.alice.api.post("/recall", { query: "kestrel rota" })).body);
  expect(recalled).toContain("kestrel rota");
});

it("/add and /ingest by a non-admin key land in the inbox too", async () => {
  const added = await t.alice.api.post("/add", { messages: [{ role: "user", content: "I keep the osprey ledger in the blue binder on my desk." }] });
  expect(added.status).toBe(200);
  const addedIds = (added.body.results as { id: number }[]).map((r) => r.id);
  expect(addedIds.length).toBeGreaterThan(0);
  const ingested = await t.alice.api.post("/ingest", { text: "# Osprey\n\nThe osprey ledger is reconciled every Monday by the night shift." });
  expect(ingested.body.status).toBe("completed");
  for (const id of [...addedIds, ...(ingested.body.memory_ids as number[])]) {
    expect((await t.alice.api.get(`/memory/${id}`)).body.review_status).toBe("pending");
  }
});
