import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/connection.js";

/** How many memories each space holds: what auth shows in a space listing and checks before a delete. */
export class SpaceContentsStore {
  private readonly latest: Statement;
  private readonly rows: Statement;

  constructor(db: Db) {
    this.latest = db.sqlite.prepare(
      `SELECT space_id AS spaceId, count(*) AS n FROM memories WHERE user_id = ? AND is_latest = 1 AND space_id IS NOT NULL GROUP BY space_id`,
    );
    this.rows = db.sqlite.prepare(`SELECT count(*) FROM memories WHERE space_id = ?`).pluck();
  }

  latestBySpace(userId: number): Map<number, number> {
    return new Map((this.latest.all(userId) as { spaceId: number; n: number }[]).map((r) => [r.spaceId, r.n]));
  }

  rowsIn(spaceId: number): number {
    return this.rows.get(spaceId) as number;
  }
}
