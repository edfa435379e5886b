import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, expireKeyInDb, startServer, type RunningServer } from "../../../test/support/server.js";

describe("bootstrap", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ ENGRAM_BOOTSTRAP_SECRET: "s3cret" });
  });
  afterAll(() => server.stop());

  it("needs the configured secret, then works once only", async () => {
    const anon = api(server.url);
    const wrong = await anon.post("/bootstrap", { secret: "nope" });
    expect(wrong.status).toBe(401);
    const ok = await anon.post("/bootstrap", { name: "root", secret: "s3cret" });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ name: "root", scopes: "read,write,admin", user_id: 1 });
    expect(ok.body.key).toMatch(/^engram_[0-9a-f]{32}$/);
    expect(ok.body.api_key).toBe(ok.body.key);
    const again = await anon.post("/bootstrap", { secret: "s3cret" });
    expect(again.status).toBe(403);
    expect(again.body.error).toMatch(/already/);
  });
});

describe("keys, users and scopes", () => {
  let server: RunningServer;
  let admin: ReturnType<typeof api>;
  let adminKey: string;

  beforeAll(async () => {
    server = await startServer();
    adminKey = await bootstrap(server.url);
    admin = api(server.url, adminKey);
  });
  afterAll(() => server.stop());

  it("refuses requests without a key, with a bad key, or a malformed header", async () => {
    expect((await api(server.url).get("/list")).status).toBe(401);
    expect((await api(server.url, "engram_00000000000000000000000000000000").get("/list")).status).toBe(401);
    const res = await api(server.url).get("/list", { authorization: "Token abc" });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/Bearer/);
  });

  it("accepts the eg_ alias of a key", async () => {
    const alias = "eg_" + adminKey.slice("engram_".length);
    expect((await api(server.url, alias).get("/list")).status).toBe(200);
  });

  it("lets an admin create users, each with a default space; a taken name is 409", async () => {
    const res = await admin.post("/users", { username: "alice", email: "alice@example.com" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ username: "alice", role: "writer" });
    expect((await admin.post("/users", { username: "alice" })).status).toBe(409);
    expect((await admin.post("/users", { username: "bad", role: "root" })).body.error).toMatch(/role/);
    const users = (await admin.get("/users")).body.users.map((u: { username: string }) => u.username);
    expect(users).toEqual(["admin", "alice"]);
    const key = (await admin.post("/keys", { user_id: res.body.id })).body.key;
    const spaces = (await api(server.url, key).get("/spaces")).body.spaces;
    expect(spaces.map((s: { name: string }) => s.name)).toEqual(["default"]);
  });

  it("never stores keys in plain text", async () => {
    const created = await admin.post("/keys", { name: "plain-check" });
    const list = (await admin.get("/keys")).body.keys;
    const row = list.find((k: { id: number }) => k.id === created.body.id);
    expect(row.key_prefix).toBe(created.body.key.slice(0, 13));
    expect(JSON.stringify(list)).not.toContain(created.body.key);
  });

  it("enforces scopes: a read key cannot write, a non-admin cannot create users or read the audit log", async () => {
    const bob = (await admin.post("/users", { username: "bob" })).body;
    const readKey = (await admin.post("/keys", { user_id: bob.id, scopes: "read" })).body.key;
    const writeKey = (await admin.post("/keys", { user_id: bob.id, scopes: "read,write" })).body.key;
    const reader = api(server.url, readKey);
    const writer = api(server.url, writeKey);
    const denied = await reader.post("/store", { content: "a read key tries to write" });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatch(/write scope/);
    expect((await writer.get("/list")).body.results).toEqual([]);
    expect((await writer.post("/store", { content: "a write key writes" })).status).toBe(201);
    expect((await reader.get("/list")).body.results).toHaveLength(1);
    expect((await writer.post("/users", { username: "mallory" })).status).toBe(403);
    expect((await writer.get("/users")).status).toBe(403);
    expect((await writer.get("/audit")).status).toBe(403);
    // Nor can a key mint a stronger one, or one for somebody else.
    expect((await reader.post("/keys", { scopes: "read,write" })).status).toBe(403);
    const stronger = await writer.post("/keys", { scopes: "admin" });
    expect(stronger.status).toBe(403);
    expect(stronger.body.error).toBe("scopes: a writer cannot hold the admin scope");
    // An admin asking for a scope the owner's role cannot hold is a bad request, not a missing scope.
    const beyondRole = await admin.post("/keys", { user_id: bob.id, scopes: "admin" });
    expect(beyondRole.status).toBe(400);
    expect(beyondRole.body.error).toBe("scopes: a writer cannot hold the admin scope");
    expect((await writer.post("/keys", { user_id: 1 })).status).toBe(403);
    const own = await writer.post("/keys", { name: "bob-laptop", scopes: "read" });
    expect(own.status).toBe(201);
    expect(own.body.user_id).toBe(bob.id);
  });

  it("validates key requests field by field", async () => {
    expect((await admin.post("/keys", { scopes: "read,fly" })).body.error).toMatch(/^scopes:/);
    expect((await admin.post("/keys", { expires_at: "tomorrow" })).body.error).toMatch(/^expires_at:/);
    expect((await admin.post("/keys", { expires_at: "2001-01-01T00:00:00Z" })).body.error).toMatch(/future/);
    expect((await admin.post("/keys", { ttl_secs: -5 })).body.error).toMatch(/ttl_secs/);
    expect((await admin.post("/keys", { user_id: 4242 })).body.error).toMatch(/user_id/);
  });

  it("expires keys", async () => {
    const k = (await admin.post("/keys", { ttl_secs: 3600 })).body;
    expect(k.expires_at).toBeTruthy();
    expect((await api(server.url, k.key).get("/list")).status).toBe(200);
    // An hour of lifetime passes in the database file, not on the wall clock.
    expireKeyInDb(server.dbPath, k.id);
    const res = await api(server.url, k.key).get("/list");
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/expired/);
    expect((await admin.get("/keys")).body.keys.map((x: { id: number }) => x.id)).not.toContain(k.id);
  });

  it("revokes keys, and another user's key id answers 404", async () => {
    const k = (await admin.post("/keys", { name: "to-revoke" })).body;
    expect((await admin.del(`/keys/${k.id}`)).body).toEqual({ revoked: true, id: k.id, also_revoked: [] });
    expect((await api(server.url, k.key).get("/list")).status).toBe(401);
    expect((await admin.del(`/keys/${k.id}`)).status).toBe(404);

    const carol = (await admin.post("/users", { username: "carol" })).body;
    const carolKey = (await admin.post("/keys", { user_id: carol.id })).body.key;
    const adminKeyId = (await admin.get("/keys")).body.keys.find((x: { user_id: number }) => x.user_id === 1).id;
    expect((await api(server.url, carolKey).del(`/keys/${adminKeyId}`)).status).toBe(404);
    const visible = (await api(server.url, carolKey).get("/keys")).body.keys;
    expect(visible.every((x: { user_id: number }) => x.user_id === carol.id)).toBe(true);
  });

  it("rotates with a grace period: both keys work, then only the new one", async () => {
    const old = (await admin.post("/keys", { name: "rotating" })).body;
    const rotated = await admin.post("/keys/rotate", { key_id: old.id, grace_hours: 1 });
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({ name: "rotating", rotated_from: old.id, scopes: old.scopes });
    expect(rotated.body.key).not.toBe(old.key);
    expect((await api(server.url, old.key).get("/list")).status).toBe(200);
    expect((await api(server.url, rotated.body.key).get("/list")).status).toBe(200);
    const oldRow = (await admin.get("/keys")).body.keys.find((x: { id: number }) => x.id === old.id);
    const graceEnd = Date.parse(oldRow.expires_at);
    expect(graceEnd - Date.now()).toBeGreaterThan(59 * 60_000);
    expect(graceEnd - Date.now()).toBeLessThanOrEqual(60 * 60_000);

    const immediate = await admin.post("/keys/rotate", { key_id: rotated.body.id, grace_hours: 0 });
    expect((await api(server.url, rotated.body.key).get("/list")).status).toBe(401);
    expect((await api(server.url, immediate.body.key).get("/list")).status).toBe(200);
  });
});

describe("rate limits", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ ENGRAM_RATE_LIMIT_PER_MINUTE: "1000" });
  });
  afterAll(() => server.stop());

  it("answers 429 with Retry-After once a key's own limit is spent, per key", async () => {
    const admin = api(server.url, await bootstrap(server.url));
    const limited = (await admin.post("/keys", { rate_limit: 3 })).body.key;
    const c = api(server.url, limited);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await c.get("/list")).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const res = await c.get("/list");
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(res.body.error).toMatch(/rate limit/);
    // Other keys, even of the same server, have their own budget.
    expect((await admin.get("/list")).status).toBe(200);
  });
});

describe("open access", () => {
  it("serves without a key only when ENGRAM_OPEN_ACCESS=1 on loopback", async () => {
    const server = await startServer({ ENGRAM_OPEN_ACCESS: "1" });
    try {
      const anon = api(server.url);
      expect((await anon.post("/store", { content: "open access memory" })).status).toBe(201);
      expect((await anon.get("/list")).body.results).toHaveLength(1);
      // A presented key is still checked.
      expect((await api(server.url, "engram_bad").get("/list")).status).toBe(401);
    } finally {
      await server.stop();
    }
  });

  it("refuses to start open access on a non-loopback address, naming the variable", async () => {
    await expect(startServer({ ENGRAM_OPEN_ACCESS: "1", ENGRAM_HOST: "0.0.0.0" })).rejects.toThrow(/ENGRAM_OPEN_ACCESS/);
  });
});
