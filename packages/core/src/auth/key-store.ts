import { and, asc, count, eq, gt, isNull, or } from "drizzle-orm";
import type { Db } from "../db/connection.js";
import { apiKeys, type ApiKeyRow } from "../db/schema.js";

export type NewKeyRow = typeof apiKeys.$inferInsert;

/** A key authenticates while it is neither revoked nor past its expiry. */
const live = (nowIso: string) => and(isNull(apiKeys.revokedAt), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, nowIso)));

/**
 * Every statement on api_keys. Keys form a tree through minted_by_id (the key that minted
 * each one); the tree is what revocation walks.
 */
export class KeyStore {
  constructor(private readonly db: Db) {}

  private get orm() {
    return this.db.orm;
  }

  byId(id: number): ApiKeyRow | undefined {
    return this.orm.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
  }

  byHash(keyHash: string): ApiKeyRow | undefined {
    return this.orm.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash)).get();
  }

  insert(values: NewKeyRow): ApiKeyRow {
    return this.orm.insert(apiKeys).values(values).returning().get();
  }

  /** Live keys, oldest first; one user's when `userId` is given. */
  listLive(nowIso: string, userId?: number): ApiKeyRow[] {
    return this.orm
      .select()
      .from(apiKeys)
      .where(and(live(nowIso), userId === undefined ? undefined : eq(apiKeys.userId, userId)))
      .orderBy(asc(apiKeys.id))
      .all();
  }

  countLive(userId: number, nowIso: string): number {
    return this.orm.select({ n: count() }).from(apiKeys).where(and(live(nowIso), eq(apiKeys.userId, userId))).get()!.n;
  }

  /** The live key that replaced this one by rotation, if any. */
  liveSuccessor(id: number, nowIso: string): ApiKeyRow | undefined {
    return this.orm.select().from(apiKeys).where(and(live(nowIso), eq(apiKeys.rotatedFromId, id))).get();
  }

  setExpiry(id: number, expiresAt: string): void {
    this.orm.update(apiKeys).set({ expiresAt }).where(eq(apiKeys.id, id)).run();
  }

  touch(id: number, nowIso: string): void {
    this.orm.update(apiKeys).set({ lastUsedAt: nowIso }).where(eq(apiKeys.id, id)).run();
  }

  /** Keys minted by `fromId` now descend from `toId` (rotation hands its place in the tree on). */
  reparentChildren(fromId: number, toId: number): void {
    this.orm.update(apiKeys).set({ mintedById: toId }).where(eq(apiKeys.mintedById, fromId)).run();
  }

  /**
   * Revokes a key and every key below it in the minting tree, at any depth, in one statement;
   * returns the ids this call revoked, ascending.
   */
  revokeTree(id: number, nowIso: string): number[] {
    const rows = this.db.sqlite
      .prepare(
        `WITH RECURSIVE tree(id) AS (
           SELECT ? UNION SELECT k.id FROM api_keys k JOIN tree t ON k.minted_by_id = t.id
         )
         UPDATE api_keys SET revoked_at = ? WHERE revoked_at IS NULL AND id IN (SELECT id FROM tree) RETURNING id`,
      )
      .all(id, nowIso) as { id: number }[];
    return rows.map((r) => r.id).sort((a, b) => a - b);
  }
}
