import { asc, count, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/connection.js";
import { users, type UserRow } from "../../db/schema.js";

export type NewUserRow = typeof users.$inferInsert;

/** Every statement on users. */
export class UserStore {
  private readonly byIdStmt;
  private readonly byNameStmt;
  private readonly countStmt;
  private readonly listStmt;

  constructor(private readonly db: Db) {
    this.byIdStmt = db.orm.select().from(users).where(eq(users.id, sql.placeholder("id"))).prepare();
    this.byNameStmt = db.orm.select().from(users).where(eq(users.username, sql.placeholder("username"))).prepare();
    this.countStmt = db.orm.select({ n: count() }).from(users).prepare();
    this.listStmt = db.orm.select().from(users).orderBy(asc(users.id)).prepare();
  }

  count(): number {
    return this.countStmt.get()!.n;
  }

  byId(id: number): UserRow | undefined {
    return this.byIdStmt.get({ id });
  }

  byUsername(username: string): UserRow | undefined {
    return this.byNameStmt.get({ username });
  }

  insert(values: NewUserRow): UserRow {
    return this.db.orm.insert(users).values(values).returning().get();
  }

  /** Every user, oldest first. */
  list(): UserRow[] {
    return this.listStmt.all();
  }
}
