/**
 * The two-tenant setup every black-box test of isolation starts from: a bootstrapped admin and two
 * users, alice and bob, each with a key of all scopes (or those asked for).
 */
import { api, bootstrap } from "./server.js";

export type Client = ReturnType<typeof api>;

export interface Tenant {
  id: number;
  key: string;
  api: Client;
}

export interface TwoTenants {
  adminKey: string;
  admin: Client;
  alice: Tenant;
  bob: Tenant;
}

/** A key for an existing user; fails the test setup loudly when the server refuses. */
export async function keyFor(url: string, admin: Client, userId: number, scopes?: string): Promise<Tenant> {
  const res = await admin.post("/keys", { user_id: userId, ...(scopes ? { scopes } : {}) });
  if (res.status !== 201) throw new Error(`key for user ${userId} refused: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: userId, key: res.body.key as string, api: api(url, res.body.key as string) };
}

/** A new user with a key. */
export async function newTenant(url: string, admin: Client, username: string, scopes?: string): Promise<Tenant> {
  const res = await admin.post("/users", { username });
  if (res.status !== 201) throw new Error(`user ${username} refused: ${res.status} ${JSON.stringify(res.body)}`);
  return keyFor(url, admin, res.body.id as number, scopes);
}

/** Bootstraps a fresh server and creates alice and bob. */
export async function twoTenants(url: string, opts: { scopes?: string } = {}): Promise<TwoTenants> {
  const adminKey = await bootstrap(url);
  const admin = api(url, adminKey);
  const alice = await newTenant(url, admin, "alice", opts.scopes);
  const bob = await newTenant(url, admin, "bob", opts.scopes);
  return { adminKey, admin, alice, bob };
}
