import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/connection.js";

/** Whose a space is, for the subsystems that take a space id from a request (entities). */
export class SpaceLookups {
  private readonly owned: Statement;

  constructor(db: Db) {
    this.owned = db.sqlite.prepare("SELECT 1 FROM spaces WHERE id = ? AND user_id = ?");
  }

  /** Whether the space exists and is the user's. */
  isOwnedBy(userId: number, spaceId: number): boolean {
    return this.owned.get(spaceId, userId) !== undefined;
  }
}
