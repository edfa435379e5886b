import { and, eq, sql } from "drizzle-orm";
import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/connection.js";
import { memories, type MemoryRow } from "../../db/schema.js";
import { liveMemorySql, presentMemorySql } from "./live.js";

/** The first characters of a memory's text, for readers that never need the whole of it. */
export interface MemoryHead {
  id: number;
  content: string;
}

/**
 * Reads of given memories by id, for subsystems that hold ids from their own tables (links,
 * entities, search hits): whole rows, the head of their text, whether they still count.
 * Every read is scoped to one tenant; id lists travel as one JSON array parameter.
 */
export class MemoryLookups {
  private readonly rowsOf;
  private readonly liveHeadsOf: Statement;
  private readonly presentHeadOf: Statement;
  private readonly present: Statement;
  private readonly latest: Statement;
  private readonly unforgotten: Statement;
  private readonly headsOf: Statement;
  private readonly visible: Statement;

  constructor(db: Db) {
    const sqlite = db.sqlite;
    this.rowsOf = db.orm
      .select()
      .from(memories)
      .where(and(eq(memories.userId, sql.placeholder("userId")), sql`${memories.id} IN (SELECT value FROM json_each(${sql.placeholder("ids")}))`))
      .prepare();
    this.liveHeadsOf = sqlite.prepare(
      `SELECT m.id, substr(m.content, 1, ?) AS content FROM memories m
        WHERE m.user_id = ? AND m.id IN (SELECT value FROM json_each(?)) AND ${liveMemorySql("m")}`,
    );
    this.presentHeadOf = sqlite.prepare(
      `SELECT m.id, substr(m.content, 1, ?) AS content, m.parent_memory_id AS parentId FROM memories m
        WHERE m.id = ? AND m.user_id = ? AND ${presentMemorySql("m")}`,
    );
    this.present = sqlite.prepare(`SELECT 1 FROM memories m WHERE m.id = ? AND m.user_id = ? AND ${presentMemorySql("m")}`);
    this.latest = sqlite.prepare("SELECT is_latest FROM memories WHERE id = ? AND user_id = ?").pluck();
    this.unforgotten = sqlite.prepare("SELECT 1 FROM memories WHERE id = ? AND user_id = ? AND is_forgotten = 0");
    this.headsOf = sqlite
      .prepare(`SELECT substr(m.content, 1, ?) FROM json_each(?) j CROSS JOIN memories m ON m.id = j.value WHERE +m.user_id = ?`)
      .pluck();
    // Any version, as long as it is shown: neither forgotten nor archived.
    this.visible = sqlite
      .prepare(`SELECT m.id FROM json_each(?) j CROSS JOIN memories m ON m.id = j.value WHERE +m.user_id = ? AND m.is_forgotten = 0 AND m.is_archived = 0`)
      .pluck();
  }

  /** Rows for ids, in the order given, skipping ids that are not the user's. */
  rows(userId: number, ids: readonly number[]): MemoryRow[] {
    if (ids.length === 0) return [];
    const byId = new Map(this.rowsOf.all({ userId, ids: JSON.stringify(ids) }).map((r) => [r.id, r]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** The first `chars` characters of the user's live memories among `ids`, in no particular order. */
  liveHeads(userId: number, ids: readonly number[], chars: number): MemoryHead[] {
    return this.liveHeadsOf.all(chars, userId, JSON.stringify(ids)) as MemoryHead[];
  }

  /** The first `chars` characters of a present memory (latest, not forgotten, archived or not) and the version it replaced. */
  presentHead(userId: number, id: number, chars: number): (MemoryHead & { parentId: number | null }) | undefined {
    return this.presentHeadOf.get(chars, id, userId) as (MemoryHead & { parentId: number | null }) | undefined;
  }

  /** Whether the memory is the user's and present (latest, not forgotten, archived or not). */
  isPresent(userId: number, id: number): boolean {
    return this.present.get(id, userId) !== undefined;
  }

  /** Whether the user's memory is its chain's latest version; undefined when it is not the user's. */
  isLatest(userId: number, id: number): boolean | undefined {
    const latest = this.latest.get(id, userId) as number | undefined;
    return latest === undefined ? undefined : latest === 1;
  }

  /** Whether the memory is the user's and not forgotten (any version, archived or not). */
  isUnforgotten(userId: number, id: number): boolean {
    return this.unforgotten.get(id, userId) !== undefined;
  }

  /** The first `chars` characters of each of the user's memories among `ids`, whatever their status. */
  heads(userId: number, ids: readonly number[], chars: number): string[] {
    return this.headsOf.all(chars, JSON.stringify(ids), userId) as string[];
  }

  /** The user's memories among `ids` that are shown (neither forgotten nor archived), superseded versions included. */
  visibleAmong(userId: number, ids: readonly number[]): Set<number> {
    return new Set(this.visible.all(JSON.stringify(ids), userId) as number[]);
  }
}
