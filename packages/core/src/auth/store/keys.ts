import { and, asc, count, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { Db } from "../../db/connection.js";
import { apiKeys, type ApiKeyRow } from "../../db/schema.js";

export type NewKeyRow = typeof apiKeys.$inferInsert;

/** A key authenticates while it is neither revoked nor past its expiry (`now` is a placeholder). */
const live = and(isNull(apiKeys.revokedAt), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql.placeholder("now"))));

/**
 * Every statement on api_keys, prepared once. Keys form a tree through minted_by_id (the key
 * that minted each one); the tree is what revocation walks.
 */
export class KeyStore {
  private readonly stmts;

  constructor(private readonly db: Db) {
    const orm = db.orm;
    const p = sql.placeholder;
    this.stmts = {
      byId: orm.select().from(apiKeys).where(eq(apiKeys.id, p("id"))).prepare(),
      byHash: orm.select().from(apiKeys).where(eq(apiKeys.keyHash, p("keyHash"))).prepare(),
      listLive: orm.select().from(apiKeys).where(live).orderBy(asc(apiKeys.id)).prepare(),
      listLiveOf: orm.select().from(apiKeys).where(and(live, eq(apiKeys.userId, p("userId")))).orderBy(asc(apiKeys.id)).prepare(),
      countLive: orm.select({ n: count() }).from(apiKeys).where(and(live, eq(apiKeys.userId, p("userId")))).prepare(),
      liveSuccessor: orm.select().from(apiKeys).where(and(live, eq(apiKeys.rotatedFromId, p("id")))).prepare(),
      setExpiry: db.sqlite.prepare(`UPDATE api_keys SET expires_at = ? WHERE id = ?`),
      touch: db.sqlite.prepare(`UPDATE api_keys SET last_used_at = ? WHERE id = ?`),
      reparent: db.sqlite.prepare(`UPDATE api_keys SET minted_by_id = ? WHERE minted_by_id = ?`),
      revokeTree: db.sqlite.prepare(
        `WITH RECURSIVE tree(id) AS (
           SELECT ? UNION SELECT k.id FROM api_keys k JOIN tree t ON k.minted_by_id = t.id
         )
         UPDATE api_keys SET revoked_at = ? WHERE revoked_at IS NULL AND id IN (SELECT id FROM tree) RETURNING id`,
      ),
    };
  }

  byId(id: number): ApiKeyRow | undefined {
    return this.stmts.byId.get({ id });
  }

  byHash(keyHash: string): ApiKeyRow | undefined {
    return this.stmts.byHash.get({ keyHash });
  }

  insert(values: NewKeyRow): ApiKeyRow {
    return this.db.orm.insert(apiKeys).values(values).returning().get();
  }

  /** Live keys, oldest first; one user's when `userId` is given. */
  listLive(nowIso: string, userId?: number): ApiKeyRow[] {
    return userId === undefined ? this.stmts.listLive.all({ now: nowIso }) : this.stmts.listLiveOf.all({ now: nowIso, userId });
  }

  countLive(userId: number, nowIso: string): number {
    return this.stmts.countLive.get({ now: nowIso, userId })!.n;
  }

  /** The live key that replaced this one by rotation, if any. */
  liveSuccessor(id: number, nowIso: string): ApiKeyRow | undefined {
    return this.stmts.liveSuccessor.get({ now: nowIso, id });
  }

  setExpiry(id: number, expiresAt: string): void {
    this.stmts.setExpiry.run(expiresAt, id);
  }

  touch(id: number, nowIso: string): void {
    this.stmts.touch.run(nowIso, id);
  }

  /** Keys minted by `fromId` now descend from `toId` (rotation hands its place in the tree on). */
  reparentChildren(fromId: number, toId: number): void {
    this.stmts.reparent.run(toId, fromId);
  }

  /**
   * Revokes a key and every key below it in the minting tree, at any depth, in one statement;
   * returns the ids this call revoked, ascending.
   */
  revokeTree(id: number, nowIso: string): number[] {
    const rows = this.stmts.revokeTree.all(id, nowIso) as { id: number }[];
    return rows.map((r) => r.id).sort((a, b) => a - b);
  }
}
