import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/index.js";
import { liveMemorySql } from "../../memory/index.js";

export interface CausalChainRow {
  id: number;
  user_id: number;
  root_memory_id: number | null;
  description: string | null;
  confidence: number;
  created_at: string;
}

export interface CausalLinkRow {
  id: number;
  chain_id: number;
  cause_memory_id: number;
  effect_memory_id: number;
  strength: number;
  order_index: number;
  created_at: string;
}

const LINK_COLUMNS = "id, chain_id, cause_memory_id, effect_memory_id, strength, order_index, created_at";

/** causal_chains and causal_links (migration 18), every statement filtered by the tenant. */
export class CausalStore {
  private readonly insertChain: Statement;
  private readonly chainById: Statement;
  private readonly chainList: Statement;
  private readonly insertLinkStmt: Statement;
  private readonly linksOfChain: Statement;
  private readonly causesStmt: Statement;
  private readonly linkExists: Statement;
  private readonly recentStmt: Statement;

  constructor(db: Db) {
    const sqlite = db.sqlite;
    this.insertChain = sqlite.prepare(
      "INSERT INTO causal_chains (user_id, root_memory_id, description, confidence, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *",
    );
    this.chainById = sqlite.prepare("SELECT * FROM causal_chains WHERE id = ? AND user_id = ?");
    this.chainList = sqlite.prepare("SELECT * FROM causal_chains WHERE user_id = ? ORDER BY id DESC LIMIT ?");
    this.insertLinkStmt = sqlite.prepare(
      `INSERT INTO causal_links (user_id, chain_id, cause_memory_id, effect_memory_id, strength, order_index, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ${LINK_COLUMNS}`,
    );
    this.linksOfChain = sqlite.prepare(`SELECT ${LINK_COLUMNS} FROM causal_links WHERE chain_id = ? AND user_id = ? ORDER BY order_index, id`);
    this.causesStmt = sqlite.prepare(
      `SELECT l.effect_memory_id AS effect, l.cause_memory_id AS cause, l.strength
         FROM json_each(?) e CROSS JOIN causal_links l ON l.user_id = ? AND l.effect_memory_id = e.value
        ORDER BY l.id`,
    );
    this.linkExists = sqlite.prepare("SELECT 1 FROM causal_links WHERE user_id = ? AND cause_memory_id = ? AND effect_memory_id = ? LIMIT 1");
    this.recentStmt = sqlite.prepare(
      `SELECT id, content FROM (
         SELECT m.id, m.content, m.created_at FROM memories m
          WHERE m.user_id = ? AND ${liveMemorySql("m")} AND m.id < ? ORDER BY m.id DESC LIMIT ?)
        WHERE created_at >= ? ORDER BY id DESC`,
    );
  }

  createChain(userId: number, rootMemoryId: number | null, description: string | null, confidence: number, now: string): CausalChainRow {
    return this.insertChain.get(userId, rootMemoryId, description, confidence, now) as CausalChainRow;
  }

  chain(userId: number, id: number): CausalChainRow | undefined {
    return this.chainById.get(id, userId) as CausalChainRow | undefined;
  }

  chains(userId: number, limit: number): CausalChainRow[] {
    return this.chainList.all(userId, limit) as CausalChainRow[];
  }

  insertLink(userId: number, l: Omit<CausalLinkRow, "id" | "created_at">, now: string): CausalLinkRow {
    return this.insertLinkStmt.get(userId, l.chain_id, l.cause_memory_id, l.effect_memory_id, l.strength, l.order_index, now) as CausalLinkRow;
  }

  links(userId: number, chainId: number): CausalLinkRow[] {
    return this.linksOfChain.all(chainId, userId) as CausalLinkRow[];
  }

  /** The user's links whose effect is one of `effects`: one step of the backward walk. */
  causesOf(userId: number, effects: readonly number[]): { effect: number; cause: number; strength: number }[] {
    return this.causesStmt.all(JSON.stringify(effects), userId) as { effect: number; cause: number; strength: number }[];
  }

  hasLink(userId: number, causeId: number, effectId: number): boolean {
    return this.linkExists.get(userId, causeId, effectId) !== undefined;
  }

  /**
   * The user's live memories written before `beforeId` (ids grow with time, so the walk down
   * memories_user_latest stops after `limit` rows) and, of those, the ones created at or after `from`, newest first.
   */
  recent(userId: number, beforeId: number, from: string, limit: number): { id: number; content: string }[] {
    return this.recentStmt.all(userId, beforeId, limit, from) as { id: number; content: string }[];
  }
}
