import { and, asc, count, eq, gt, isNull, or } from "drizzle-orm";
import { apiKeys, memories, spaces, users, type ApiKeyRow, type SpaceRow, type UserRow } from "../db/schema.js";
import { conflict, forbidden, invalid, notFound, unauthorized } from "../errors.js";
import { isoNow, type CoreContext } from "../context.js";
import { generateApiKey, hashApiKey, hasScope, keyDisplayPrefix, parseScopes, type Scope } from "./keys.js";

export type Role = UserRow["role"];

/** Who is calling: the user and the key they authenticated with (none in open-access mode). */
export interface Principal {
  user: UserRow;
  keyId: number | null;
  scopes: Scope[];
  rateLimit: number | null;
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
}

/** Last-used stamps are written at most this often per key, so reads stay reads. */
const LAST_USED_RESOLUTION_MS = 60_000;

export class AuthService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly pepper: string,
  ) {}

  private get orm() {
    return this.ctx.db.orm;
  }

  userCount(): number {
    return this.orm.select({ n: count() }).from(users).get()!.n;
  }

  /** Creates user 1 (admin) and its admin key, only on an empty database. */
  bootstrap(name: string | undefined, secret: string | undefined, requiredSecret: string | undefined) {
    if (requiredSecret !== undefined && secret !== requiredSecret) throw unauthorized("bootstrap secret does not match");
    return this.ctx.db.sqlite.transaction(() => {
      if (this.userCount() > 0) throw forbidden("already bootstrapped: a user exists");
      const user = this.insertUser(name ?? "admin", null, "admin");
      const issued = this.insertKey(user.id, "bootstrap", ROLE_SCOPES.admin, null, null);
      return { user, ...issued };
    })();
  }

  /** The user open-access mode acts as; created on first use so a fresh database just works. */
  openAccessPrincipal(): Principal {
    const user =
      this.orm.select().from(users).where(eq(users.id, 1)).get() ??
      this.ctx.db.sqlite.transaction(() => this.insertUser("admin", null, "admin"))();
    return { user, keyId: null, scopes: ROLE_SCOPES.admin, rateLimit: null };
  }

  private insertUser(username: string, email: string | null, role: Role): UserRow {
    const now = isoNow(this.ctx);
    const user = this.orm.insert(users).values({ username, email, role, createdAt: now }).returning().get();
    this.orm.insert(spaces).values({ userId: user.id, name: "default", description: null, createdAt: now }).run();
    return user;
  }

  createUser(username: string, email: string | undefined, role: Role): UserRow {
    return this.ctx.db.sqlite.transaction(() => {
      if (this.orm.select().from(users).where(eq(users.username, username)).get()) {
        throw conflict(`username "${username}" is taken`);
      }
      return this.insertUser(username, email ?? null, role);
    })();
  }

  listUsers(): UserRow[] {
    return this.orm.select().from(users).orderBy(asc(users.id)).all();
  }

  private insertKey(
    userId: number,
    name: string,
    scopes: Scope[],
    rateLimit: number | null,
    expiresAt: string | null,
    rotatedFromId: number | null = null,
  ): IssuedKey {
    const key = generateApiKey();
    const row = this.orm
      .insert(apiKeys)
      .values({
        userId,
        name,
        keyHash: hashApiKey(key, this.pepper),
        keyPrefix: keyDisplayPrefix(key),
        scopes: scopes.join(","),
        rateLimit,
        createdAt: isoNow(this.ctx),
        expiresAt,
        rotatedFromId,
      })
      .returning()
      .get();
    return { key, row };
  }

  /**
   * An admin may issue keys for anyone; other callers only for themselves. A key never gets
   * more than its owner's role allows nor more than the key that asked for it.
   */
  createKey(actor: Principal, input: CreateKeyInput): IssuedKey {
    const isAdmin = hasScope(actor.scopes, "admin");
    const userId = input.user_id ?? actor.user.id;
    if (userId !== actor.user.id && !isAdmin) throw forbidden("only an admin can create keys for another user");
    const owner = this.orm.select().from(users).where(eq(users.id, userId)).get();
    if (!owner) throw invalid("user_id", "no such user");
    const scopes = input.scopes === undefined ? ROLE_SCOPES[owner.role].filter((s) => s !== "admin") : parseScopes(input.scopes);
    if (!scopes) throw invalid("scopes", "must be a comma-separated list of read, write, admin");
    for (const s of scopes) {
      if (!ROLE_SCOPES[owner.role].includes(s)) throw invalid("scopes", `a ${owner.role} cannot hold the ${s} scope`);
      if (!hasScope(actor.scopes, s)) throw forbidden(`your key lacks the ${s} scope it would grant`);
    }
    if (input.expires_at !== undefined && input.ttl_secs !== undefined) {
      throw invalid("expires_at", "give expires_at or ttl_secs, not both");
    }
    const now = this.ctx.clock.now();
    let expiresAt: string | null = null;
    if (input.ttl_secs !== undefined) expiresAt = new Date(now.getTime() + input.ttl_secs * 1000).toISOString();
    if (input.expires_at !== undefined) {
      const t = Date.parse(input.expires_at);
      if (Number.isNaN(t)) throw invalid("expires_at", "must be an ISO-8601 timestamp");
      if (t <= now.getTime()) throw invalid("expires_at", "must be in the future");
      expiresAt = new Date(t).toISOString();
    }
    return this.insertKey(userId, input.name ?? "default", scopes, input.rate_limit ?? null, expiresAt);
  }

  /** Keys that still authenticate: not revoked, not expired. */
  listKeys(actor: Principal, userId?: number): ApiKeyRow[] {
    const isAdmin = hasScope(actor.scopes, "admin");
    const target = isAdmin ? userId : actor.user.id;
    const now = isoNow(this.ctx);
    return this.orm
      .select()
      .from(apiKeys)
      .where(
        and(
          isNull(apiKeys.revokedAt),
          or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, now)),
          target === undefined ? undefined : eq(apiKeys.userId, target),
        ),
      )
      .orderBy(asc(apiKeys.id))
      .all();
  }

  private ownKey(actor: Principal, keyId: number): ApiKeyRow {
    const row = this.orm.select().from(apiKeys).where(eq(apiKeys.id, keyId)).get();
    if (!row || row.revokedAt || (row.userId !== actor.user.id && !hasScope(actor.scopes, "admin"))) {
      throw notFound("key");
    }
    return row;
  }

  revokeKey(actor: Principal, keyId: number): void {
    this.ownKey(actor, keyId);
    this.orm.update(apiKeys).set({ revokedAt: isoNow(this.ctx) }).where(eq(apiKeys.id, keyId)).run();
  }

  /** Issues a successor with the same owner, name, scopes and limit; the old key lives on for the grace period. */
  rotateKey(actor: Principal, keyId: number, graceHours: number): IssuedKey {
    return this.ctx.db.sqlite.transaction(() => {
      const old = this.ownKey(actor, keyId);
      const now = this.ctx.clock.now().getTime();
      const graceEnd = now + graceHours * 3_600_000;
      const oldExpiry = old.expiresAt ? Date.parse(old.expiresAt) : Infinity;
      this.orm
        .update(apiKeys)
        .set({ expiresAt: new Date(Math.min(graceEnd, oldExpiry)).toISOString() })
        .where(eq(apiKeys.id, old.id))
        .run();
      return this.insertKey(
        old.userId,
        old.name,
        parseScopes(old.scopes) ?? [],
        old.rateLimit,
        old.expiresAt && oldExpiry > now ? old.expiresAt : null,
        old.id,
      );
    })();
  }

  /** Resolves a presented bearer key to its principal, or throws unauthorized. */
  authenticate(presented: string): Principal {
    const row = this.orm.select().from(apiKeys).where(eq(apiKeys.keyHash, hashApiKey(presented, this.pepper))).get();
    const now = this.ctx.clock.now();
    if (!row || row.revokedAt) throw unauthorized("invalid API key");
    if (row.expiresAt && Date.parse(row.expiresAt) <= now.getTime()) throw unauthorized("API key expired");
    const user = this.orm.select().from(users).where(eq(users.id, row.userId)).get();
    if (!user) throw unauthorized("invalid API key");
    if (!row.lastUsedAt || now.getTime() - Date.parse(row.lastUsedAt) > LAST_USED_RESOLUTION_MS) {
      this.orm.update(apiKeys).set({ lastUsedAt: now.toISOString() }).where(eq(apiKeys.id, row.id)).run();
    }
    return { user, keyId: row.id, scopes: parseScopes(row.scopes) ?? [], rateLimit: row.rateLimit };
  }

  createSpace(userId: number, name: string, description: string | undefined): SpaceRow {
    return this.ctx.db.sqlite.transaction(() => {
      const taken = this.orm
        .select()
        .from(spaces)
        .where(and(eq(spaces.userId, userId), eq(spaces.name, name)))
        .get();
      if (taken) throw conflict(`space "${name}" exists`);
      return this.orm
        .insert(spaces)
        .values({ userId, name, description: description ?? null, createdAt: isoNow(this.ctx) })
        .returning()
        .get();
    })();
  }

  listSpaces(userId: number): (SpaceRow & { memory_count: number })[] {
    return this.ctx.db.sqlite
      .prepare(
        `SELECT s.id, s.user_id AS userId, s.name, s.description, s.created_at AS createdAt,
                (SELECT count(*) FROM memories m WHERE m.space_id = s.id AND m.is_latest = 1) AS memory_count
         FROM spaces s WHERE s.user_id = ? ORDER BY s.id`,
      )
      .all(userId) as (SpaceRow & { memory_count: number })[];
  }

  /** The default space stays; a space that still holds memories is not dropped from under them. */
  deleteSpace(userId: number, spaceId: number): void {
    this.ctx.db.sqlite.transaction(() => {
      const space = this.orm
        .select()
        .from(spaces)
        .where(and(eq(spaces.id, spaceId), eq(spaces.userId, userId)))
        .get();
      if (!space) throw notFound("space");
      if (space.name === "default") throw conflict("the default space cannot be deleted");
      const held = this.orm.select({ n: count() }).from(memories).where(eq(memories.spaceId, spaceId)).get()!.n;
      if (held > 0) throw conflict(`space holds ${held} memories; move or delete them first`);
      this.orm.delete(spaces).where(eq(spaces.id, spaceId)).run();
    })();
  }
}
