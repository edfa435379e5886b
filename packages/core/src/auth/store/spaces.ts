import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/connection.js";
import { spaces, type SpaceRow } from "../../db/schema.js";

export type NewSpaceRow = typeof spaces.$inferInsert;

/**
 * Every statement on spaces. How many memories a space holds is read here too, as part of the
 * space (a listing's count, the check before a delete): auth sits below memory and never
 * imports it.
 */
export class SpaceStore {
  private readonly ownStmt;
  private readonly byNameStmt;
  private readonly listStmt;
  private readonly heldStmt;
  private readonly removeStmt;

  constructor(private readonly db: Db) {
    this.ownStmt = db.orm
      .select()
      .from(spaces)
      .where(and(eq(spaces.id, sql.placeholder("id")), eq(spaces.userId, sql.placeholder("userId"))))
      .prepare();
    this.byNameStmt = db.orm
      .select()
      .from(spaces)
      .where(and(eq(spaces.userId, sql.placeholder("userId")), eq(spaces.name, sql.placeholder("name"))))
      .prepare();
    // The count is of latest versions, forgotten and archived ones included: they still sit in the space.
    this.listStmt = db.sqlite.prepare(
      `SELECT s.id, s.user_id AS userId, s.name, s.description, s.created_at AS createdAt,
              (SELECT count(*) FROM memories m WHERE m.space_id = s.id AND m.is_latest = 1) AS memory_count
       FROM spaces s WHERE s.user_id = ? ORDER BY s.id`,
    );
    this.heldStmt = db.sqlite.prepare(`SELECT count(*) AS n FROM memories WHERE space_id = ?`);
    this.removeStmt = db.sqlite.prepare(`DELETE FROM spaces WHERE id = ?`);
  }

  /** The user's space with this id, or undefined (another tenant's space included). */
  own(userId: number, id: number): SpaceRow | undefined {
    return this.ownStmt.get({ id, userId });
  }

  byName(userId: number, name: string): SpaceRow | undefined {
    return this.byNameStmt.get({ userId, name });
  }

  insert(values: NewSpaceRow): SpaceRow {
    return this.db.orm.insert(spaces).values(values).returning().get();
  }

  /** The user's spaces, oldest first, each with how many latest memory versions it holds. */
  listWithCounts(userId: number): (SpaceRow & { memory_count: number })[] {
    return this.listStmt.all(userId) as (SpaceRow & { memory_count: number })[];
  }

  /** Memory rows in the space, every version and status. */
  memoriesHeld(id: number): number {
    return (this.heldStmt.get(id) as { n: number }).n;
  }

  remove(id: number): void {
    this.removeStmt.run(id);
  }
}
