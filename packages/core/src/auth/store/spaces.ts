import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/connection.js";
import { spaces, type SpaceRow } from "../../db/schema.js";

export type NewSpaceRow = typeof spaces.$inferInsert;

/** Every statement on spaces. What a space holds is memory's to count (AuthService's SpaceContents). */
export class SpaceStore {
  private readonly ownStmt;
  private readonly byNameStmt;
  private readonly listStmt;
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
    this.listStmt = db.orm
      .select()
      .from(spaces)
      .where(eq(spaces.userId, sql.placeholder("userId")))
      .orderBy(asc(spaces.id))
      .prepare();
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

  /** The user's spaces, oldest first. */
  list(userId: number): SpaceRow[] {
    return this.listStmt.all({ userId });
  }

  remove(id: number): void {
    this.removeStmt.run(id);
  }
}
