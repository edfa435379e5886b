import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, expireKeyInDb, startServer, type RunningServer } from "../../../test/support/server.js";

/**
 * Findings 1 (a read key takes over an admin key) and 8 (minted keys escape their parent).
 * Rate limiting is off here so that keys with tiny limits can be exercised; the per-user
 * budget has its own file (security-rate-limits.test.ts).
 */
const MAX_KEYS = 10;
let server: RunningServer;
let admin: ReturnType<typeof api>;
let adminKeyId: number;

type Created = { key: string; id: number; scopes: string; rate_limit: number | null; expires_at: string | null; user_id: number };

beforeAll(async () => {
  server = await startServer({ ENGRAM_RATE_LIMIT_ENABLED: "0", ENGRAM_MAX_KEYS_PER_USER: String(MAX_KEYS) });
  admin = api(server.url, await bootstrap(server.url));
  adminKeyId = (await admin.get("/keys")).body.keys[0].id;
});
afterAll(() => server.stop());

const mint = async (by: ReturnType<typeof api>, body: Record<string, unknown>): Promise<Created> => {
  const res = await by.post("/keys", body);
  if (res.status !== 201) throw new Error(`mint failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Created;
};
const as = (k: Created) => api(server.url, k.key);
const works = async (k: { key: string }) => (await api(server.url, k.key).get("/list")).status;

describe("managing keys needs write and every scope of the target key (finding 1)", () => {
  it("a read key cannot rotate the admin key and take it over", async () => {
    const reader = await mint(admin, { name: "reader", scopes: "read" });
    const res = await as(reader).post("/keys/rotate", { key_id: adminKeyId, grace_hours: 0 });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(/write scope/);
    expect(res.body.key).toBeUndefined();
    expect((await admin.get("/list")).status).toBe(200);
  });

  it("a read key cannot revoke the admin key, nor another key; it may revoke itself", async () => {
    const reader = await mint(admin, { name: "reader-2", scopes: "read" });
    const other = await mint(admin, { name: "other-reader", scopes: "read" });
    const onAdmin = await as(reader).del(`/keys/${adminKeyId}`);
    expect(onAdmin.status).toBe(403);
    expect(onAdmin.body.error).toMatch(/write scope/);
    expect((await as(reader).del(`/keys/${other.id}`)).status).toBe(403);
    expect((await admin.get("/list")).status).toBe(200);
    expect(await works(other)).toBe(200);
    expect((await as(reader).del(`/keys/${reader.id}`)).body).toEqual({ revoked: true, id: reader.id, also_revoked: [] });
    expect(await works(reader)).toBe(401);
  });

  it("a write key cannot rotate or revoke a key that holds admin", async () => {
    const writer = await mint(admin, { name: "writer", scopes: "read,write" });
    const rotate = await as(writer).post("/keys/rotate", { key_id: adminKeyId, grace_hours: 0 });
    expect(rotate.status).toBe(403);
    expect(rotate.body.error).toBe(`key ${adminKeyId} holds the admin scope, which your key lacks`);
    const revoke = await as(writer).del(`/keys/${adminKeyId}`);
    expect(revoke.status).toBe(403);
    expect(revoke.body.error).toMatch(/admin scope/);
    expect((await admin.get("/list")).status).toBe(200);
    await admin.del(`/keys/${writer.id}`);
  });

  it("GET /keys shows a key only the keys it could manage, and itself", async () => {
    const reader = await mint(admin, { name: "lister-r", scopes: "read" });
    const writer = await mint(admin, { name: "lister-w", scopes: "read,write" });
    const seenByReader = (await as(reader).get("/keys")).body.keys.map((k: { id: number }) => k.id);
    expect(seenByReader).toEqual([reader.id]);
    const seenByWriter = (await as(writer).get("/keys")).body.keys as { id: number; scopes: string }[];
    expect(seenByWriter.map((k) => k.id)).toContain(reader.id);
    expect(seenByWriter.map((k) => k.id)).toContain(writer.id);
    expect(seenByWriter.some((k) => k.scopes.includes("admin"))).toBe(false);
    expect((await admin.get("/keys")).body.keys.map((k: { id: number }) => k.id)).toContain(adminKeyId);
    await admin.del(`/keys/${reader.id}`);
    await admin.del(`/keys/${writer.id}`);
  });

  it("rotation hands the caller exactly the old key's grants, and never a longer life than its own", async () => {
    const writer = await mint(admin, { name: "rotator", scopes: "read,write" });
    const sibling = await mint(admin, { name: "sibling", scopes: "read,write", rate_limit: 50 });
    const rotated = await as(writer).post("/keys/rotate", { key_id: sibling.id, grace_hours: 0 });
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({ scopes: "read,write", rate_limit: 50, expires_at: null, rotated_from: sibling.id });
    expect(await works(sibling)).toBe(401);

    // A key that expires in an hour cannot turn a never-expiring key into its own.
    const shortLived = await mint(admin, { name: "short-lived", scopes: "read,write", ttl_secs: 3600 });
    const refused = await as(shortLived).post("/keys/rotate", { key_id: rotated.body.id, grace_hours: 0 });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatch(/lives longer/);
    expect(await works(rotated.body)).toBe(200);
    for (const id of [writer.id, rotated.body.id, shortLived.id]) await admin.del(`/keys/${id}`);
  });
});

describe("minted keys stay inside their minter (finding 8)", () => {
  it("a key with rate_limit 3 and a one-hour expiry cannot mint an unlimited or longer-lived key", async () => {
    const parent = await mint(admin, { name: "parent", scopes: "read,write", rate_limit: 3, ttl_secs: 3600 });
    const p = as(parent);
    const unlimited = await p.post("/keys", { name: "escape", rate_limit: 1_000_000 });
    expect(unlimited.status).toBe(403);
    expect(unlimited.body.error).toBe("rate_limit: must not exceed your key's limit of 3 requests per minute");
    const longer = await p.post("/keys", { name: "escape", ttl_secs: 7200 });
    expect(longer.status).toBe(403);
    expect(longer.body.error).toMatch(/^ttl_secs: must not be later than your key's expiry/);
    const later = await p.post("/keys", { name: "escape", expires_at: "2999-01-01T00:00:00Z" });
    expect(later.status).toBe(403);
    expect(later.body.error).toMatch(/^expires_at: /);
    expect((await p.post("/keys", { name: "escape", scopes: "read,write,admin" })).status).toBe(403);

    // Left out, the limit and the expiry are the minter's own.
    const child = await mint(p, { name: "child" });
    expect(child).toMatchObject({ rate_limit: 3, expires_at: parent.expires_at, scopes: "read,write" });
    const smaller = await mint(p, { name: "smaller", rate_limit: 2, ttl_secs: 60, scopes: "read" });
    expect(smaller).toMatchObject({ rate_limit: 2, scopes: "read" });
    expect(Date.parse(smaller.expires_at!)).toBeLessThan(Date.parse(parent.expires_at!));
    await admin.del(`/keys/${parent.id}`);
  });

  it("an admin key minting for another user is bounded the same way", async () => {
    const user = (await admin.post("/users", { username: "bounded" })).body;
    const limitedAdmin = await mint(admin, { name: "limited-admin", scopes: "read,write,admin", rate_limit: 10, ttl_secs: 600 });
    const res = await as(limitedAdmin).post("/keys", { user_id: user.id, rate_limit: 11 });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(/^rate_limit:/);
    const forUser = await mint(as(limitedAdmin), { user_id: user.id });
    expect(forUser).toMatchObject({ user_id: user.id, rate_limit: 10, expires_at: limitedAdmin.expires_at });
    await admin.del(`/keys/${limitedAdmin.id}`);
    expect(await works(forUser)).toBe(401);
  });

  it("revoking a key revokes every key it minted, at any depth, and nothing else", async () => {
    const user = (await admin.post("/users", { username: "tree" })).body;
    const a = await mint(admin, { user_id: user.id, name: "a" });
    const b = await mint(as(a), { name: "b" });
    const c = await mint(as(b), { name: "c" });
    const sibling = await mint(admin, { user_id: user.id, name: "sibling" });
    const listed = (await admin.get(`/keys?user_id=${user.id}`)).body.keys as { id: number; minted_by: number | null }[];
    expect(listed.find((k) => k.id === c.id)!.minted_by).toBe(b.id);
    const res = await admin.del(`/keys/${a.id}`);
    expect(res.body).toEqual({ revoked: true, id: a.id, also_revoked: [b.id, c.id] });
    for (const k of [a, b, c]) expect(await works(k)).toBe(401);
    expect(await works(sibling)).toBe(200);
  });

  it("rotation hands the old key's place in the tree to its successor; revoking the successor takes the subtree", async () => {
    const user = (await admin.post("/users", { username: "rotated-tree" })).body;
    const a = await mint(admin, { user_id: user.id, name: "a" });
    const child = await mint(as(a), { name: "child" });
    const successor = (await as(a).post("/keys/rotate", { key_id: a.id, grace_hours: 0 })).body;
    expect(await works(a)).toBe(401);
    expect(await works(child)).toBe(200);
    const listed = (await admin.get(`/keys?user_id=${user.id}`)).body.keys as { id: number; minted_by: number | null }[];
    expect(listed.find((k) => k.id === successor.id)!.minted_by).toBe(adminKeyId);
    expect(listed.find((k) => k.id === child.id)!.minted_by).toBe(successor.id);
    expect((await admin.del(`/keys/${successor.id}`)).body.also_revoked).toEqual([child.id]);
    expect(await works(child)).toBe(401);
  });

  it("an expired key cannot be rotated into a live one", async () => {
    const k = await mint(admin, { name: "expiring", ttl_secs: 3600 });
    // Its hour passes in the database file, not on the wall clock.
    expireKeyInDb(server.dbPath, k.id);
    const res = await admin.post("/keys/rotate", { key_id: k.id, grace_hours: 0 });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatch(/expired/);
  });

  it(`a user holds at most ENGRAM_MAX_KEYS_PER_USER (${MAX_KEYS}) live keys; rotation still works at the cap`, async () => {
    const user = (await admin.post("/users", { username: "capped" })).body;
    const keys: Created[] = [];
    for (let i = 0; i < MAX_KEYS; i++) keys.push(await mint(admin, { user_id: user.id, name: `k${i}` }));
    const over = await admin.post("/keys", { user_id: user.id, name: "one-too-many" });
    expect(over.status).toBe(409);
    expect(over.body.error).toBe(`user ${user.id} already holds ${MAX_KEYS} live keys, the most allowed (ENGRAM_MAX_KEYS_PER_USER); revoke one first`);
    // Minting from one of the user's own keys counts the same.
    expect((await as(keys[0]!).post("/keys", { name: "via-own-key" })).status).toBe(409);

    const rotated = await admin.post("/keys/rotate", { key_id: keys[1]!.id, grace_hours: 1 });
    expect(rotated.status).toBe(201);
    const again = await admin.post("/keys/rotate", { key_id: keys[1]!.id, grace_hours: 1 });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe(`key ${keys[1]!.id} was already rotated to key ${rotated.body.id}; rotate that one`);

    await admin.del(`/keys/${keys[1]!.id}`);
    await admin.del(`/keys/${keys[2]!.id}`);
    expect((await admin.post("/keys", { user_id: user.id, name: "room-again" })).status).toBe(201);
  });
});
