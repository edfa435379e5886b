import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/index.js";
import { liveMemorySql } from "../../memory/index.js";

/** The link types whose arrival at a memory says something later disagreed with or replaced it. */
export const CHALLENGING_LINKS = ["corrects", "updates", "contradicts"] as const;
const challenging = `l.type IN (${CHALLENGING_LINKS.map((t) => `'${t}'`).join(", ")})`;

export interface ReconsolidationEvidence {
  id: number;
  content: string;
  importance: number;
  confidence: number;
  recallHits: number;
  recallMisses: number;
  accessCount: number;
  createdAt: string;
  /** Incoming corrects/updates/contradicts links from live memories of the same user. */
  challenges: number;
}

/** The reads reconsolidation weighs and its one write (memory columns plus a reconsolidations row). */
export class ReconsolidationStore {
  private readonly one: Statement;
  private readonly candidatesStmt: Statement;
  private readonly lastReasonStmt: Statement;
  private readonly setColumns: Statement;
  private readonly record: Statement;

  constructor(private readonly db: Db) {
    const sqlite = db.sqlite;
    const evidence = `m.id, m.content, m.importance, m.confidence, m.recall_hits AS recallHits, m.recall_misses AS recallMisses,
      m.access_count AS accessCount, m.created_at AS createdAt,
      (SELECT count(*) FROM memory_links l JOIN memories s ON s.id = l.source_id
        WHERE l.user_id = m.user_id AND l.target_id = m.id AND ${challenging} AND ${liveMemorySql("s")}) AS challenges`;
    this.one = sqlite.prepare(`SELECT ${evidence} FROM memories m WHERE m.id = ? AND m.user_id = ? AND ${liveMemorySql("m")}`);
    // Memories with any evidence at all, newest first, at most the cap: the preview's bounded scan.
    this.candidatesStmt = sqlite.prepare(
      `SELECT ${evidence} FROM memories m
        WHERE m.user_id = ? AND ${liveMemorySql("m")}
          AND (m.recall_hits > 0 OR m.recall_misses > 0 OR m.access_count > 0 OR m.created_at < ?
               OR EXISTS (SELECT 1 FROM memory_links l WHERE l.user_id = m.user_id AND l.target_id = m.id AND ${challenging}))
        ORDER BY m.id DESC LIMIT ?`,
    );
    this.lastReasonStmt = sqlite.prepare(
      "SELECT reason FROM reconsolidations WHERE user_id = ? AND memory_id = ? AND triggered_by = 'reconsolidate' ORDER BY id DESC LIMIT 1",
    );
    this.setColumns = sqlite.prepare("UPDATE memories SET importance = ?, confidence = ? WHERE id = ? AND user_id = ?");
    this.record = sqlite.prepare(
      "INSERT INTO reconsolidations (user_id, memory_id, old_content, new_content, reason, triggered_by, created_at) VALUES (?, ?, ?, ?, ?, 'reconsolidate', ?)",
    );
  }

  /** The user's live memory with its evidence, or undefined. */
  evidence(userId: number, memoryId: number): ReconsolidationEvidence | undefined {
    return this.one.get(memoryId, userId) as ReconsolidationEvidence | undefined;
  }

  /** Live memories with recalls, accesses, challenges, or created before `oldBefore`, newest first. */
  candidates(userId: number, oldBefore: string, cap: number): ReconsolidationEvidence[] {
    return this.candidatesStmt.all(userId, oldBefore, cap) as ReconsolidationEvidence[];
  }

  /** The reason of the memory's last reconsolidation, which names the evidence it acted on. */
  lastReason(userId: number, memoryId: number): string | undefined {
    return (this.lastReasonStmt.get(userId, memoryId) as { reason: string } | undefined)?.reason;
  }

  /** Sets importance and confidence and records why, in one transaction. Content does not change here. */
  apply(userId: number, m: { id: number; content: string }, importance: number, confidence: number, reason: string, now: string): void {
    this.db.sqlite.transaction(() => {
      this.setColumns.run(importance, confidence, m.id, userId);
      this.record.run(userId, m.id, m.content, m.content, reason, now);
    })();
  }
}
