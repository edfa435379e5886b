import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/connection.js";
import { liveMemorySql } from "./live.js";

const LIVE = liveMemorySql("m");

/**
 * The memories' graph columns, which the graph refresh writes: pagerank_score (scaled so the
 * tenant's top memory is 1) and community_id (a graph_communities row), and the reads ordered
 * by them. Only live memories hold scores; every statement is scoped to one tenant.
 */
export class MemoryGraphColumns {
  private readonly liveIdsOf: Statement;
  private readonly setRankOf: Statement;
  private readonly setCommunityOf: Statement;
  private readonly setBothOf: Statement;
  private readonly clearHidden: Statement;
  private readonly clearGoneCommunities: Statement;
  private readonly ranksOf: Statement;
  private readonly centralAll: Statement;
  private readonly centralInCommunity: Statement;
  private readonly membersOf: Statement;

  constructor(db: Db) {
    const sqlite = db.sqlite;
    this.liveIdsOf = sqlite.prepare(`SELECT m.id FROM memories m WHERE m.user_id = ? AND ${LIVE} ORDER BY m.id`).pluck();
    this.setRankOf = sqlite.prepare(`UPDATE memories AS m SET pagerank_score = ? WHERE m.id = ? AND m.user_id = ? AND ${LIVE}`);
    this.setCommunityOf = sqlite.prepare(`UPDATE memories AS m SET community_id = ? WHERE m.id = ? AND m.user_id = ? AND ${LIVE}`);
    this.setBothOf = sqlite.prepare(`UPDATE memories AS m SET pagerank_score = ?, community_id = ? WHERE m.id = ? AND m.user_id = ? AND ${LIVE}`);
    this.clearHidden = sqlite.prepare(
      `UPDATE memories AS m SET pagerank_score = 0, community_id = NULL
        WHERE m.user_id = ? AND NOT (${LIVE}) AND (m.pagerank_score != 0 OR m.community_id IS NOT NULL)`,
    );
    this.clearGoneCommunities = sqlite.prepare(
      `UPDATE memories SET community_id = NULL WHERE user_id = ? AND community_id IS NOT NULL
         AND community_id NOT IN (SELECT value FROM json_each(?))`,
    );
    this.ranksOf = sqlite.prepare(`SELECT m.id, m.pagerank_score FROM memories m WHERE m.user_id = ? AND ${LIVE}`).raw();
    const central = (where: string) =>
      sqlite.prepare(`SELECT m.id FROM memories m WHERE m.user_id = ? AND ${LIVE} ${where} ORDER BY m.pagerank_score DESC, m.importance DESC, m.id DESC LIMIT ?`).pluck();
    this.centralAll = central("");
    this.centralInCommunity = central("AND m.community_id = ?");
    this.membersOf = sqlite
      .prepare(`SELECT m.id FROM memories m WHERE m.user_id = ? AND m.community_id = ? AND ${LIVE} ORDER BY m.pagerank_score DESC, m.id LIMIT ?`)
      .pluck();
  }

  /** The user's live memories, by id: the nodes of the tenant's graph. */
  liveIds(userId: number): number[] {
    return this.liveIdsOf.all(userId) as number[];
  }

  /** Each returns 1 when the memory is live and was written, 0 otherwise. */
  setRank(userId: number, id: number, rank: number): number {
    return this.setRankOf.run(rank, id, userId).changes;
  }

  setCommunity(userId: number, id: number, communityId: number | null): number {
    return this.setCommunityOf.run(communityId, id, userId).changes;
  }

  setRankAndCommunity(userId: number, id: number, rank: number, communityId: number | null): number {
    return this.setBothOf.run(rank, communityId, id, userId).changes;
  }

  /**
   * Superseded, forgotten and archived memories lose their score and community, and no memory
   * keeps a community outside `communityIds` (the tenant's communities as they now are).
   */
  clearStale(userId: number, communityIds: readonly number[]): void {
    this.clearHidden.run(userId);
    this.clearGoneCommunities.run(userId, JSON.stringify(communityIds));
  }

  /** The stored PageRank of each of the user's live memories. */
  ranks(userId: number): Map<number, number> {
    return new Map(this.ranksOf.all(userId) as [number, number][]);
  }

  /** The user's most central live memories (PageRank, then importance, then newest), of one community if given. */
  central(userId: number, limit: number, communityId?: number): number[] {
    return (communityId != null ? this.centralInCommunity.all(userId, communityId, limit) : this.centralAll.all(userId, limit)) as number[];
  }

  /** A community's live members, most central first. */
  members(userId: number, communityId: number, limit: number): number[] {
    return this.membersOf.all(userId, communityId, limit) as number[];
  }
}
