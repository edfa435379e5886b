import type { Statement } from "better-sqlite3";
import type { Db } from "../db/index.js";
import { latestMemorySql } from "../memory/index.js";

/** What a tenant holds: its latest memories that are not forgotten (archived ones count). */
const HELD = latestMemorySql("m", { archived: true });

export interface TenantCounts {
  userId: number;
  memories: number;
  archived: number;
  conversations: number;
  episodes: number;
  entities: number;
}

/** Per-tenant counts for /me/stats, /admin/tenants and /admin/usage. */
export class TenantStore {
  private readonly countsOf: Statement;
  private readonly countsAll: Statement;
  private readonly categoriesOf: Statement;

  constructor(db: Db) {
    const s = db.sqlite;
    const counts = (where: string) => `
      SELECT u.id AS userId,
             (SELECT count(*) FROM memories m WHERE m.user_id = u.id AND ${HELD}) AS memories,
             (SELECT count(*) FROM memories m WHERE m.user_id = u.id AND ${HELD} AND m.is_archived = 1) AS archived,
             (SELECT count(*) FROM conversations c WHERE c.user_id = u.id) AS conversations,
             (SELECT count(*) FROM episodes e WHERE e.user_id = u.id) AS episodes,
             (SELECT count(*) FROM entities x WHERE x.user_id = u.id) AS entities
        FROM users u ${where} ORDER BY u.id`;
    this.countsOf = s.prepare(counts("WHERE u.id = ?"));
    this.countsAll = s.prepare(counts(""));
    this.categoriesOf = s.prepare(`SELECT m.category, count(*) AS n FROM memories m WHERE m.user_id = ? AND ${HELD} GROUP BY m.category ORDER BY n DESC, m.category`);
  }

  counts(userId: number): TenantCounts {
    return this.countsOf.get(userId) as TenantCounts;
  }

  everyTenant(): TenantCounts[] {
    return this.countsAll.all() as TenantCounts[];
  }

  categories(userId: number): Record<string, number> {
    return Object.fromEntries((this.categoriesOf.all(userId) as { category: string; n: number }[]).map((r) => [r.category, r.n]));
  }
}
