import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/connection.js";
import type { CommunityRow } from "../../db/schema.js";

const COLUMNS = "id, user_id AS userId, label, size, created_at AS createdAt";

/** Every statement on graph_communities: a tenant's communities of its last refresh, which replaces them all. */
export class CommunityStore {
  private readonly deleteAllOf: Statement;
  private readonly insertOne: Statement;
  private readonly listOf: Statement;
  private readonly getOne: Statement;
  private readonly idsOf: Statement;

  constructor(db: Db) {
    const sqlite = db.sqlite;
    this.deleteAllOf = sqlite.prepare("DELETE FROM graph_communities WHERE user_id = ?");
    this.insertOne = sqlite.prepare("INSERT INTO graph_communities (user_id, label, size, created_at) VALUES (?, ?, ?, ?) RETURNING id").pluck();
    this.listOf = sqlite.prepare(`SELECT ${COLUMNS} FROM graph_communities WHERE user_id = ? ORDER BY id`);
    this.getOne = sqlite.prepare(`SELECT ${COLUMNS} FROM graph_communities WHERE id = ? AND user_id = ?`);
    this.idsOf = sqlite.prepare("SELECT id FROM graph_communities WHERE user_id = ?").pluck();
  }

  deleteAll(userId: number): void {
    this.deleteAllOf.run(userId);
  }

  /** Adds a community; returns its id. */
  insert(userId: number, label: string, size: number, now: string): number {
    return this.insertOne.get(userId, label, size, now) as number;
  }

  /** The user's communities, oldest id first. */
  list(userId: number): CommunityRow[] {
    return this.listOf.all(userId) as CommunityRow[];
  }

  get(userId: number, id: number): CommunityRow | undefined {
    return this.getOne.get(id, userId) as CommunityRow | undefined;
  }

  ids(userId: number): number[] {
    return this.idsOf.all(userId) as number[];
  }
}
