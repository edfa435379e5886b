import type { ApiKeyRow, SpaceRow, UserRow } from "../db/index.js";
import { conflict, forbidden, invalid, notFound, unauthorized } from "../errors.js";
import { isoNow, type CoreContext } from "../context.js";
import { DEFAULT_AUTH_CONFIG, type AuthConfig } from "./config.js";
import { KeyStore, SpaceStore, UserStore } from "./store/index.js";
import { mintedExpiry, mintedRateLimit, scopesBeyond, takeoverRefusal, type KeyGrant } from "./key-rules.js";
import { generateApiKey, hashApiKey, hasScope, keyDisplayPrefix, parseScopes, type Scope } from "./keys.js";

export type Role = UserRow["role"];

/** Who is calling: the user and the key they authenticated with (none in open-access mode), and what that key holds. */
export interface Principal extends KeyGrant {
  user: UserRow;
  keyId: number | null;
  scopes: Scope[];
  /** The key was created with review_required: what it writes waits in the review inbox. */
  reviewRequired?: boolean;
}

export interface IssuedKey {
  key: string;
  row: ApiKeyRow;
}

const ROLE_SCOPES: Record<Role, Scope[]> = {
  admin: ["read", "write", "admin"],
  writer: ["read", "write"],
  reader: ["read"],
};

export interface CreateKeyInput {
  name?: string | undefined;
  scopes?: string | undefined;
  user_id?: number | undefined;
  rate_limit?: number | undefined;
  expires_at?: string | undefined;
  ttl_secs?: number | undefined;
  /** Memories written with the key wait in the review inbox until approved. */
  review_required?: boolean | undefined;
}

/** Last-used stamps are written at most this often per key, so reads stay reads. */
const LAST_USED_RESOLUTION_MS = 60_000;

const grantOf = (row: ApiKeyRow): KeyGrant & { id: number } => ({
  id: row.id,
  scopes: parseScopes(row.scopes) ?? [],
  rateLimit: row.rateLimit,
  expiresAt: row.expiresAt,
});

/** What the memory subsystem tells auth about a space's contents (auth sits below memory and never reads its table). */
export interface SpaceContents {
  /** Per space of the user: latest versions it holds, forgotten and archived ones included (they still sit in the space). */
  latestBySpace(userId: number): Map<number, number>;
  /** Memory rows in the space, every version and status. */
  rowsIn(spaceId: number): number;
}

export class AuthService {
  private readonly users: UserStore;
  private readonly keys: KeyStore;
  private readonly spaces: SpaceStore;

  constructor(
    private readonly ctx: CoreContext,
    private readonly pepper: string,
    /** How many memories a space holds: memory's table, counted by memory's store. */
    private readonly contents: SpaceContents,
    private readonly config: AuthConfig = DEFAULT_AUTH_CONFIG,
  ) {
    this.users = new UserStore(ctx.db);
    this.keys = new KeyStore(ctx.db);
    this.spaces = new SpaceStore(ctx.db);
  }

  userCount(): number {
    return this.users.count();
  }

  /** Creates user 1 (admin) and its admin key, only on an empty database. */
  bootstrap(name: string | undefined, secret: string | undefined, requiredSecret: string | undefined) {
    if (requiredSecret !== undefined && secret !== requiredSecret) throw unauthorized("bootstrap secret does not match");
    return this.ctx.db.sqlite.transaction(() => {
      if (this.userCount() > 0) throw forbidden("already bootstrapped: a user exists");
      const user = this.insertUser(name ?? "admin", null, "admin");
      const issued = this.insertKey({ userId: user.id, name: "bootstrap", scopes: ROLE_SCOPES.admin, rateLimit: null, expiresAt: null });
      return { user, ...issued };
    })();
  }

  /** The user open-access mode acts as; created on first use so a fresh database just works. */
  openAccessPrincipal(): Principal {
    const user =
      this.users.byId(1) ??
      this.ctx.db.sqlite.transaction(() => this.insertUser("admin", null, "admin"))();
    return { user, keyId: null, scopes: ROLE_SCOPES.admin, rateLimit: null, expiresAt: null };
  }

  private insertUser(username: string, email: string | null, role: Role): UserRow {
    const now = isoNow(this.ctx);
    const user = this.users.insert({ username, email, role, createdAt: now });
    this.spaces.insert({ userId: user.id, name: "default", description: null, createdAt: now });
    return user;
  }

  createUser(username: string, email: string | undefined, role: Role): UserRow {
    return this.ctx.db.sqlite.transaction(() => {
      if (this.users.byUsername(username)) {
        throw conflict(`username "${username}" is taken`);
      }
      return this.insertUser(username, email ?? null, role);
    })();
  }

  listUsers(): UserRow[] {
    return this.users.list();
  }

  /**
   * A new tenant, ready to use (POST /tenants/provision): the user, its default space and a key
   * with its role's scopes, in one transaction. The key is returned once and stored hashed.
   */
  provision(username: string, email: string | undefined, role: Role): { user: UserRow; spaceId: number; issued: IssuedKey } {
    return this.ctx.db.sqlite.transaction(() => {
      const user = this.createUser(username, email, role);
      const space = this.spaces.byName(user.id, "default")!;
      const issued = this.insertKey({ userId: user.id, name: "provisioned", scopes: ROLE_SCOPES[role], rateLimit: null, expiresAt: null });
      return { user, spaceId: space.id, issued };
    })();
  }

  /** The key a principal authenticated with (null in open access). */
  keyOf(principal: Principal): ApiKeyRow | null {
    return principal.keyId === null ? null : (this.keys.byId(principal.keyId) ?? null);
  }

  /** Live (unrevoked, unexpired) keys per user id. */
  liveKeyCounts(): Map<number, number> {
    const counts = new Map<number, number>();
    for (const k of this.keys.listLive(isoNow(this.ctx))) counts.set(k.userId, (counts.get(k.userId) ?? 0) + 1);
    return counts;
  }

  /** A user by id, or undefined (GET /admin/export names tenants by id). */
  user(id: number): UserRow | undefined {
    return this.users.byId(id);
  }

  private insertKey(k: {
    userId: number;
    name: string;
    scopes: readonly Scope[];
    rateLimit: number | null;
    expiresAt: string | null;
    rotatedFromId?: number | null;
    mintedById?: number | null;
    reviewRequired?: boolean;
  }): IssuedKey {
    const key = generateApiKey();
    const row = this.keys.insert({
      userId: k.userId,
      name: k.name,
      keyHash: hashApiKey(key, this.pepper),
      keyPrefix: keyDisplayPrefix(key),
      scopes: k.scopes.join(","),
      rateLimit: k.rateLimit,
      createdAt: isoNow(this.ctx),
      expiresAt: k.expiresAt,
      rotatedFromId: k.rotatedFromId ?? null,
      mintedById: k.mintedById ?? null,
      reviewRequired: k.reviewRequired ?? false,
    });
    return { key, row };
  }

  /**
   * An admin may issue keys for anyone; other callers only for themselves. A minted key never
   * gets more than its owner's role allows, nor more than the key that minted it: scopes, rate
   * limit and expiry (fields left out take the minter's). It records its minter, so revoking
   * the minter revokes it. A user holds at most `maxKeysPerUser` live keys.
   */
  createKey(actor: Principal, input: CreateKeyInput): IssuedKey {
    const isAdmin = hasScope(actor.scopes, "admin");
    const userId = input.user_id ?? actor.user.id;
    if (userId !== actor.user.id && !isAdmin) throw forbidden("only an admin can create keys for another user");
    const owner = this.users.byId(userId);
    if (!owner) throw invalid("user_id", "no such user");
    const scopes =
      input.scopes === undefined
        ? ROLE_SCOPES[owner.role].filter((s) => s !== "admin" && hasScope(actor.scopes, s))
        : parseScopes(input.scopes);
    if (!scopes) throw invalid("scopes", "must be a comma-separated list of read, write, admin");
    for (const s of scopes) {
      const actorLacks = !hasScope(actor.scopes, s);
      if (!ROLE_SCOPES[owner.role].includes(s)) {
        // A scope the creator's own key lacks is a missing scope (403, as API.md says); an admin
        // asking for a scope the owner's role cannot hold sent a bad request (400).
        const message = `a ${owner.role} cannot hold the ${s} scope`;
        throw actorLacks ? forbidden(message, "scopes") : invalid("scopes", message);
      }
      if (actorLacks) throw forbidden(`your key lacks the ${s} scope it would grant`);
    }
    if (input.expires_at !== undefined && input.ttl_secs !== undefined) {
      throw invalid("expires_at", "give expires_at or ttl_secs, not both");
    }
    const now = this.ctx.clock.now();
    let requestedExpiry: string | undefined;
    if (input.ttl_secs !== undefined) requestedExpiry = new Date(now.getTime() + input.ttl_secs * 1000).toISOString();
    if (input.expires_at !== undefined) {
      const t = Date.parse(input.expires_at);
      if (Number.isNaN(t)) throw invalid("expires_at", "must be an ISO-8601 timestamp");
      if (t <= now.getTime()) throw invalid("expires_at", "must be in the future");
      requestedExpiry = new Date(t).toISOString();
    }
    const expiresAt = mintedExpiry(actor, requestedExpiry, input.ttl_secs !== undefined ? "ttl_secs" : "expires_at");
    const rateLimit = mintedRateLimit(actor, input.rate_limit, this.config.defaultRateLimitPerMinute);
    return this.ctx.db.sqlite.transaction(() => {
      const held = this.keys.countLive(userId, now.toISOString());
      if (held >= this.config.maxKeysPerUser) {
        throw conflict(`user ${userId} already holds ${held} live keys, the most allowed (ENGRAM_MAX_KEYS_PER_USER); revoke one first`);
      }
      // A key under review cannot mint its way out of it.
      const reviewRequired = (input.review_required ?? false) || (actor.reviewRequired ?? false);
      return this.insertKey({ userId, name: input.name ?? "default", scopes, rateLimit, expiresAt, mintedById: actor.keyId, reviewRequired });
    })();
  }

  /**
   * Live keys the caller could revoke (see `revokeKey`), and its own: a key never sees keys
   * above its scopes. An admin sees every user's, or one user's with `userId`.
   */
  listKeys(actor: Principal, userId?: number): ApiKeyRow[] {
    const isAdmin = hasScope(actor.scopes, "admin");
    const rows = this.keys.listLive(isoNow(this.ctx), isAdmin ? userId : actor.user.id);
    return rows.filter((row) => row.id === actor.keyId || this.manageRefusal(actor, row) === null);
  }

  /** A key of the caller's tenant (any tenant for an admin), or not_found: another tenant's key is never revealed. */
  private visibleKey(actor: Principal, keyId: number): ApiKeyRow {
    const row = this.keys.byId(keyId);
    if (!row || row.revokedAt || (row.userId !== actor.user.id && !hasScope(actor.scopes, "admin"))) {
      throw notFound("key");
    }
    return row;
  }

  /** Managing another key (revoke, rotate, list) needs write and every scope that key holds. */
  private manageRefusal(actor: Principal, row: ApiKeyRow): string | null {
    if (!hasScope(actor.scopes, "write")) return "managing another key needs the write scope";
    const lacking = scopesBeyond(actor.scopes, grantOf(row).scopes);
    return lacking.length ? `key ${row.id} holds the ${lacking.join(", ")} scope, which your key lacks` : null;
  }

  /**
   * Revokes a key and every key it minted, at any depth, in one transaction; returns the
   * revoked ids. A key may always revoke itself.
   */
  revokeKey(actor: Principal, keyId: number): number[] {
    return this.ctx.db.sqlite.transaction(() => {
      const row = this.visibleKey(actor, keyId);
      if (row.id !== actor.keyId) {
        const refusal = this.manageRefusal(actor, row);
        if (refusal) throw forbidden(refusal);
      }
      return this.keys.revokeTree(row.id, isoNow(this.ctx));
    })();
  }

  /**
   * Issues a successor with the old key's owner, name, scopes, limit and expiry; the old key
   * lives on for the grace period. The caller must hold everything the old key holds, since
   * it receives the successor. The successor takes the old key's place in the minting tree:
   * same minter, and the keys the old one minted now descend from it.
   */
  rotateKey(actor: Principal, keyId: number, graceHours: number): IssuedKey {
    return this.ctx.db.sqlite.transaction(() => {
      const old = this.visibleKey(actor, keyId);
      const refusal = this.manageRefusal(actor, old) ?? takeoverRefusal(actor, grantOf(old), this.config.defaultRateLimitPerMinute);
      if (refusal) throw forbidden(refusal);
      const now = this.ctx.clock.now().getTime();
      const nowIso = new Date(now).toISOString();
      const oldExpiry = old.expiresAt ? Date.parse(old.expiresAt) : Infinity;
      if (oldExpiry <= now) throw conflict(`key ${old.id} has expired and cannot be rotated; create a new key`);
      const successor = this.keys.liveSuccessor(old.id, nowIso);
      if (successor) throw conflict(`key ${old.id} was already rotated to key ${successor.id}; rotate that one`);
      this.keys.setExpiry(old.id, new Date(Math.min(now + graceHours * 3_600_000, oldExpiry)).toISOString());
      const issued = this.insertKey({
        userId: old.userId,
        name: old.name,
        scopes: grantOf(old).scopes,
        rateLimit: old.rateLimit,
        expiresAt: old.expiresAt,
        rotatedFromId: old.id,
        mintedById: old.mintedById,
        reviewRequired: old.reviewRequired,
      });
      this.keys.reparentChildren(old.id, issued.row.id);
      return issued;
    })();
  }

  /** Resolves a presented bearer key to its principal, or throws unauthorized. */
  authenticate(presented: string): Principal {
    const row = this.keys.byHash(hashApiKey(presented, this.pepper));
    const now = this.ctx.clock.now();
    if (!row || row.revokedAt) throw unauthorized("invalid API key");
    if (row.expiresAt && Date.parse(row.expiresAt) <= now.getTime()) throw unauthorized("API key expired");
    const user = this.users.byId(row.userId);
    if (!user) throw unauthorized("invalid API key");
    if (!row.lastUsedAt || now.getTime() - Date.parse(row.lastUsedAt) > LAST_USED_RESOLUTION_MS) {
      this.keys.touch(row.id, now.toISOString());
    }
    return { user, keyId: row.id, scopes: parseScopes(row.scopes) ?? [], rateLimit: row.rateLimit, expiresAt: row.expiresAt, reviewRequired: row.reviewRequired };
  }

  createSpace(userId: number, name: string, description: string | undefined): SpaceRow {
    return this.ctx.db.sqlite.transaction(() => {
      if (this.spaces.byName(userId, name)) throw conflict(`space "${name}" exists`);
      return this.spaces.insert({ userId, name, description: description ?? null, createdAt: isoNow(this.ctx) });
    })();
  }

  listSpaces(userId: number): (SpaceRow & { memory_count: number })[] {
    const counts = this.contents.latestBySpace(userId);
    return this.spaces.list(userId).map((space) => ({ ...space, memory_count: counts.get(space.id) ?? 0 }));
  }

  /** The user's space with this id, or undefined (another tenant's space included). */
  ownSpace(userId: number, spaceId: number): SpaceRow | undefined {
    return this.spaces.own(userId, spaceId);
  }

  /** The default space stays; a space that still holds memories is not dropped from under them. */
  deleteSpace(userId: number, spaceId: number): void {
    this.ctx.db.sqlite.transaction(() => {
      const space = this.spaces.own(userId, spaceId);
      if (!space) throw notFound("space");
      if (space.name === "default") throw conflict("the default space cannot be deleted");
      const held = this.contents.rowsIn(spaceId);
      if (held > 0) throw conflict(`space holds ${held} memories; move or delete them first`);
      this.spaces.remove(spaceId);
    })();
  }
}
