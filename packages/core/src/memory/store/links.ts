import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/connection.js";
import type { LinkRow } from "../../db/schema.js";
import { and, asc, eq, or, sql } from "drizzle-orm";
import { memoryLinks } from "../../db/schema.js";
import { liveMemorySql } from "./live.js";
import { isoWeekStartSql } from "./selections.js";

/** A link to add: from the classifier, rounded by the linker. */
export interface NewLink {
  sourceId: number;
  targetId: number;
  type: string;
  similarity: number;
}

/** One link followed from a known memory (`from`) to the memory at its other end (`to`). */
export interface LinkStep {
  from: number;
  to: number;
  type: string;
  similarity: number;
}

/** A link as the graph algorithms read it: source, target, type, similarity. */
export type LinkTuple = [number, number, string, number];

/**
 * Every statement on memory_links: the `updates` link a new version writes to the one it
 * replaces, the graph's typed links, and the walks over them. Links go with their memories (ON
 * DELETE CASCADE). Links are per tenant: each statement is filtered by the user, and id lists
 * travel as one JSON array parameter. Walks start from the given ids by
 * index (CROSS JOIN keeps the order), never with a scan of the tenant's links.
 */
export class LinkStore {
  private readonly insertOne: Statement;
  private readonly stepsAll: Statement;
  private readonly stepsTyped: Statement;
  private readonly allOf: Statement;
  private readonly amongOf: Statement;
  private readonly reachedAll: Statement;
  private readonly reachedTyped: Statement;
  private readonly weekly: Statement;
  private readonly insertUpdates: Statement;
  private readonly ofMemory;

  constructor(db: Db) {
    const sqlite = db.sqlite;
    this.insertUpdates = sqlite.prepare(
      `INSERT INTO memory_links (user_id, source_id, target_id, type, similarity, created_at) VALUES (?, ?, ?, 'updates', 1, ?)`,
    );
    this.ofMemory = db.orm
      .select()
      .from(memoryLinks)
      .where(
        and(
          eq(memoryLinks.userId, sql.placeholder("userId")),
          or(eq(memoryLinks.sourceId, sql.placeholder("id")), eq(memoryLinks.targetId, sql.placeholder("id"))),
        ),
      )
      .orderBy(asc(memoryLinks.id))
      .prepare();
    // A similarity link is symmetric, so one already made in the other direction counts.
    this.insertOne = sqlite.prepare(
      `INSERT OR IGNORE INTO memory_links (user_id, source_id, target_id, type, similarity, created_at)
       SELECT ?, ?, ?, ?, ?, ?
        WHERE NOT (? = 'similarity' AND EXISTS (SELECT 1 FROM memory_links WHERE source_id = ? AND target_id = ? AND type = 'similarity'))`,
    );
    const steps = (typeFilter: string) => {
      // The far end must be a live memory of the same user, so nothing crosses tenants.
      const live = `m.user_id = ? AND ${liveMemorySql("m")}`;
      return sqlite.prepare(`
        SELECT l.source_id AS "from", l.target_id AS "to", l.type, l.similarity
          FROM json_each(?) f CROSS JOIN memory_links l ON l.source_id = f.value CROSS JOIN memories m ON m.id = l.target_id
         WHERE +l.user_id = ? ${typeFilter} AND ${live}
        UNION ALL
        SELECT l.target_id, l.source_id, l.type, l.similarity
          FROM json_each(?) f CROSS JOIN memory_links l ON l.target_id = f.value CROSS JOIN memories m ON m.id = l.source_id
         WHERE +l.user_id = ? ${typeFilter} AND ${live}`);
    };
    this.stepsAll = steps("");
    this.stepsTyped = steps("AND l.type IN (SELECT value FROM json_each(?))");
    this.allOf = sqlite.prepare("SELECT source_id, target_id, type, similarity FROM memory_links WHERE user_id = ?").raw();
    this.amongOf = sqlite.prepare(
      `SELECT l.id, l.user_id AS userId, l.source_id AS sourceId, l.target_id AS targetId, l.type, l.similarity, l.created_at AS createdAt
         FROM json_each(?) s CROSS JOIN memory_links l ON l.source_id = s.value
        WHERE +l.user_id = ? AND l.target_id IN (SELECT value FROM json_each(?))
        ORDER BY l.id LIMIT ?`,
    );
    const reached = (typeFilter: string) =>
      sqlite.prepare(
        `SELECT l.id AS link, l.target_id AS id FROM json_each(?) f CROSS JOIN memory_links l ON l.source_id = f.value WHERE +l.user_id = ? ${typeFilter}
         UNION ALL
         SELECT l.id, l.source_id FROM json_each(?) f CROSS JOIN memory_links l ON l.target_id = f.value WHERE +l.user_id = ? ${typeFilter}
         ORDER BY link`,
      );
    this.reachedAll = reached("");
    this.reachedTyped = reached("AND l.type IN (SELECT value FROM json_each(?))");
    this.weekly = sqlite.prepare(`SELECT ${isoWeekStartSql("created_at")} AS week, count(*) AS links FROM memory_links WHERE user_id = ? GROUP BY 1`);
  }

  /** The link from a new version to the version it replaces. */
  linkVersion(userId: number, newId: number, oldId: number, now: string): void {
    this.insertUpdates.run(userId, newId, oldId, now);
  }

  /** Links from or to the memory, oldest first. */
  of(userId: number, id: number): LinkRow[] {
    return this.ofMemory.all({ userId, id });
  }

  /** Adds a link unless it (or, for similarity, its reverse) exists; 1 when it was new. */
  insert(userId: number, link: NewLink, now: string): number {
    const { sourceId, targetId, type, similarity } = link;
    return this.insertOne.run(userId, sourceId, targetId, type, similarity, now, type, targetId, sourceId).changes;
  }

  /**
   * Links of the user touching any of `from`, in either direction (of the given types, or
   * all), whose far end is a live memory of the same user.
   */
  steps(userId: number, from: readonly number[], types: readonly string[] | undefined): LinkStep[] {
    const ids = JSON.stringify(from);
    const half = types ? [ids, userId, JSON.stringify(types), userId] : [ids, userId, userId];
    return (types ? this.stepsTyped : this.stepsAll).all(...half, ...half) as LinkStep[];
  }

  /** Every link of the user, whatever its ends. */
  all(userId: number): LinkTuple[] {
    return this.allOf.all(userId) as LinkTuple[];
  }

  /** Links of the user among `ids` (both ends in the list), oldest first, at most `limit`. */
  among(userId: number, ids: readonly number[], limit: number): LinkRow[] {
    const json = JSON.stringify(ids);
    return this.amongOf.all(json, userId, json, limit) as LinkRow[];
  }

  /** Memories one link away from any of `from`, in either direction, by link id; ends are not checked. */
  reached(userId: number, from: readonly number[], types: readonly string[] | undefined): { link: number; id: number }[] {
    const json = JSON.stringify(from);
    const half = types ? [json, userId, JSON.stringify(types)] : [json, userId];
    return (types ? this.reachedTyped : this.reachedAll).all(...half, ...half) as { link: number; id: number }[];
  }

  /** Links the user gained per ISO week, in no particular order. */
  weeklyLinks(userId: number): { week: string; links: number }[] {
    return this.weekly.all(userId) as { week: string; links: number }[];
  }
}

const stores = new WeakMap<Db, LinkStore>();

/** The link store of a database, prepared once and shared by its readers (the graph service, search's graph channel). */
export function linkStore(db: Db): LinkStore {
  let store = stores.get(db);
  if (!store) stores.set(db, (store = new LinkStore(db)));
  return store;
}
