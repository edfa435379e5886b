import { and, asc, eq, or, sql } from "drizzle-orm";
import type { Db } from "../../db/connection.js";
import { memoryLinks, type LinkRow } from "../../db/schema.js";

/**
 * Memory's own statements on memory_links: the `updates` link a new version writes to the one
 * it replaces, and the links of one memory. Links go with their memories (ON DELETE CASCADE).
 */
export class MemoryLinkStore {
  private readonly insertUpdates;
  private readonly ofMemory;

  constructor(db: Db) {
    this.insertUpdates = db.sqlite.prepare(
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
  }

  /** The link from a new version to the version it replaces. */
  linkVersion(userId: number, newId: number, oldId: number, now: string): void {
    this.insertUpdates.run(userId, newId, oldId, now);
  }

  /** Links from or to the memory, oldest first. */
  of(userId: number, id: number): LinkRow[] {
    return this.ofMemory.all({ userId, id });
  }
}
