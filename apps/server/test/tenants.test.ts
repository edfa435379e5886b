import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants, type Client } from "../../../test/support/tenants.js";

/** /me, /me/stats, POST /tenants/provision, /admin/tenants and /admin/usage (contracts/platform.md §6) over HTTP. */
let server: RunningServer;
let admin: Client;
let alice: Client;
let aliceId: number;
let bobId: number;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_INTELLIGENCE_JOBS: "0" });
  const t = await twoTenants(server.url);
  ({ admin } = t);
  alice = t.alice.api;
  aliceId = t.alice.id;
  bobId = t.bob.id;
  await alice.post("/store", { content: "The billing database is backed up nightly", category: "ops" });
  await alice.post("/store", { content: "The deploy runbook lives in the wiki", category: "ops" });
  const archived = (await alice.post("/store", { content: "The old VPN used OpenVPN", category: "history" })).body.id;
  await alice.post(`/memory/${archived}/archive`, {});
  const forgotten = (await alice.post("/store", { content: "A forgotten scratch note" })).body.id;
  await alice.post(`/memory/${forgotten}/forget`, {});
  await t.bob.api.post("/store", { content: "Bob's zebrafish tank needs a new heater" });
}, 60_000);
afterAll(() => server.stop());

describe("identity", () => {
  it("GET /me names the caller and the key it used", async () => {
    const me = (await alice.get("/me")).body;
    expect(me).toEqual({
      user_id: aliceId,
      username: "alice",
      role: "writer",
      is_admin: false,
      auth: "key",
      key: { id: expect.any(Number), name: expect.any(String), key_prefix: expect.stringMatching(/^engram_/), scopes: "read,write", rate_limit: null, expires_at: null },
    });
    expect((await admin.get("/me")).body).toMatchObject({ is_admin: true, role: "admin" });
    expect((await api(server.url).get("/me")).status).toBe(401);
  });

  it("GET /me/stats counts what the caller holds: archived in, forgotten and other tenants' out", async () => {
    expect((await alice.get("/me/stats")).body).toEqual({ memories: 3, archived: 1, conversations: 0, episodes: 0, entities: expect.any(Number), skills: 0, categories: { ops: 2, history: 1 } });
  });
});

describe("tenants", () => {
  it("provisions a tenant whose key works at once, in its own default space", async () => {
    const res = await admin.post("/tenants/provision", { username: "acme", email: "ops@acme.example" });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ user_id: expect.any(Number), username: "acme", api_key: expect.stringMatching(/^engram_[0-9a-f]{32}$/), key_id: expect.any(Number), scopes: "read,write", space_id: expect.any(Number) });
    const acme = api(server.url, res.body.api_key);
    expect((await acme.post("/store", { content: "Acme's first memory" })).status).toBe(201);
    expect((await acme.get("/me")).body).toMatchObject({ username: "acme", role: "writer" });
    expect((await acme.get("/spaces")).body.spaces.map((s: { id: number }) => s.id)).toContain(res.body.space_id);
  });

  it("refuses a taken or malformed username, and non-admins, creating nothing", async () => {
    const before = (await admin.get("/admin/tenants")).body.length;
    expect((await admin.post("/tenants/provision", { username: "alice" })).status).toBe(409);
    const bad = await admin.post("/tenants/provision", { username: "no spaces allowed" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^username: /);
    expect((await admin.post("/tenants/provision", { username: "x", role: "owner" })).body.error).toMatch(/^role: /);
    expect((await alice.post("/tenants/provision", { username: "sneaky" })).status).toBe(403);
    expect((await admin.get("/admin/tenants")).body.length).toBe(before);
  });

  it("lists every tenant with its counts for admins only, as bare arrays", async () => {
    const list = (await admin.get("/admin/tenants")).body as { id: number; username: string; memory_count: number; key_count: number }[];
    expect(list.map((t) => t.id)).toEqual([...list.map((t) => t.id)].sort((a, b) => a - b));
    expect(list.find((t) => t.id === aliceId)).toMatchObject({ username: "alice", role: "writer", memory_count: 3, key_count: 1, created_at: expect.any(String) });
    expect(list.find((t) => t.id === bobId)).toMatchObject({ memory_count: 1 });
    const usage = (await admin.get("/admin/usage")).body as Record<string, unknown>[];
    expect(usage.find((u) => u.user_id === aliceId)).toEqual({ user_id: aliceId, username: "alice", memory_count: 3, conversation_count: 0, api_key_count: 1 });
    expect((await alice.get("/admin/tenants")).status).toBe(403);
    expect((await alice.get("/admin/usage")).status).toBe(403);
  });
});
