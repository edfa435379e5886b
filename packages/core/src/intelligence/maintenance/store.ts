import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/index.js";
import { liveMemorySql, presentMemorySql } from "../../memory/index.js";

/** A `similarity` link between two live memories of one user, with what deduplication weighs. */
export interface SimilarPair {
  idA: number;
  idB: number;
  contentA: string;
  contentB: string;
  similarity: number;
  importanceA: number;
  importanceB: number;
  createdA: string;
  createdB: string;
}

export type FeedbackRating = "helpful" | "irrelevant" | "off-topic" | "outdated";

export interface FeedbackStats {
  helpful: number;
  irrelevant: number;
  off_topic: number;
  outdated: number;
  total: number;
}

export interface MemoryHealth {
  total_memories: number;
  without_embeddings: number;
  archived: number;
  superseded: number;
  pending: number;
  with_links: number;
  facts: number;
  open_contradictions: number;
  avg_importance: number;
  oldest_memory: string | null;
  embedding_coverage_pct: number;
}

export interface ConsolidationRecord {
  id: number;
  summary: string;
  resultMemoryId: number;
  sourceIds: number[];
  createdAt: string;
}

/**
 * Every statement of correction and maintenance (contracts/intelligence.md §5.3): the records
 * it writes (reconsolidations, consolidations, memory_feedback) and the reads over links and
 * memories it decides from. Nothing here deletes a memory. Every statement is per tenant, and a
 * link counts only when both ends are the same user's live memories.
 */
export class MaintenanceStore {
  private readonly s: Record<
    "reconsolidation" | "pairs" | "consolidation" | "consolidations" | "feedback" | "feedbackStats" | "health",
    Statement
  >;

  constructor(db: Db) {
    const p = (text: string) => db.sqlite.prepare(text);
    const liveA = liveMemorySql("a");
    const liveB = liveMemorySql("b");
    const present = presentMemorySql("m");
    this.s = {
      reconsolidation: p(
        `INSERT INTO reconsolidations (user_id, memory_id, new_memory_id, old_content, new_content, reason, triggered_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      // `skip_merged` = 1 leaves out consolidation sources and results, so a sweep does not
      // consolidate again what it has already consolidated.
      pairs: p(
        `SELECT a.id AS idA, b.id AS idB, a.content AS contentA, b.content AS contentB, l.similarity,
                a.importance AS importanceA, b.importance AS importanceB, a.created_at AS createdA, b.created_at AS createdB
           FROM memory_links l
           JOIN memories a ON a.id = l.source_id
           JOIN memories b ON b.id = l.target_id
          WHERE l.user_id = ? AND l.type = 'similarity' AND l.similarity >= ? AND l.source_id <> l.target_id
            AND a.user_id = l.user_id AND b.user_id = l.user_id AND ${liveA} AND ${liveB}
            AND (? = 0 OR (a.is_consolidated = 0 AND b.is_consolidated = 0 AND a.source <> 'consolidation' AND b.source <> 'consolidation'))
          ORDER BY l.similarity DESC, l.id
          LIMIT ?`,
      ),
      consolidation: p(
        `INSERT INTO consolidations (user_id, result_memory_id, source_ids, strategy, summary, method, confidence, created_at)
         VALUES (?, ?, ?, 'merge', ?, ?, ?, ?)`,
      ),
      consolidations: p(
        `SELECT id, summary, result_memory_id AS resultMemoryId, source_ids AS sourceIds, created_at AS createdAt
           FROM consolidations WHERE user_id = ? ORDER BY id DESC LIMIT ?`,
      ),
      feedback: p(`INSERT INTO memory_feedback (user_id, memory_id, rating, context, created_at) VALUES (?, ?, ?, ?, ?)`),
      feedbackStats: p(
        `SELECT count(*) FILTER (WHERE rating = 'helpful') AS helpful,
                count(*) FILTER (WHERE rating = 'irrelevant') AS irrelevant,
                count(*) FILTER (WHERE rating = 'off-topic') AS off_topic,
                count(*) FILTER (WHERE rating = 'outdated') AS outdated,
                count(*) AS total
           FROM memory_feedback WHERE user_id = ?`,
      ),
      // Over the latest, not forgotten versions: what a user still has, archived included.
      health: p(
        `SELECT count(*) AS total_memories,
                count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM memory_vectors v WHERE v.memory_id = m.id)) AS without_embeddings,
                count(*) FILTER (WHERE m.is_archived = 1) AS archived,
                count(*) FILTER (WHERE m.is_superseded = 1) AS superseded,
                count(*) FILTER (WHERE m.review_status = 'pending') AS pending,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM memory_links l WHERE l.user_id = m.user_id AND (l.source_id = m.id OR l.target_id = m.id))) AS with_links,
                (SELECT count(*) FROM structured_facts f WHERE f.user_id = @userId AND f.invalid_at IS NULL) AS facts,
                (SELECT count(*) FROM memory_links l JOIN memories a ON a.id = l.source_id JOIN memories b ON b.id = l.target_id
                  WHERE l.user_id = @userId AND l.type = 'contradicts' AND a.user_id = @userId AND b.user_id = @userId AND ${liveA} AND ${liveB}) AS open_contradictions,
                coalesce(avg(m.importance), 0) AS avg_importance,
                min(m.created_at) AS oldest_memory
           FROM memories m WHERE m.user_id = @userId AND ${present}`,
      ),
    };
  }

  /** A correction's record: the replaced text, the new one and why (memory_id = the replaced memory). */
  recordReconsolidation(r: { userId: number; memoryId: number; newMemoryId: number; oldContent: string; newContent: string; reason: string; triggeredBy: string; at: string }): void {
    this.s.reconsolidation.run(r.userId, r.memoryId, r.newMemoryId, r.oldContent, r.newContent, r.reason, r.triggeredBy, r.at);
  }

  /** Similarity links of at least `threshold` between the user's live memories, most similar first. */
  similarPairs(userId: number, threshold: number, limit: number, opts: { skipMerged: boolean }): SimilarPair[] {
    return this.s.pairs.all(userId, threshold, opts.skipMerged ? 1 : 0, limit) as SimilarPair[];
  }

  recordConsolidation(r: { userId: number; resultMemoryId: number; sourceIds: readonly number[]; summary: string; method: "rules" | "llm"; confidence: number; at: string }): void {
    this.s.consolidation.run(r.userId, r.resultMemoryId, JSON.stringify(r.sourceIds), r.summary, r.method, r.confidence, r.at);
  }

  /** The user's consolidations, newest first. */
  consolidations(userId: number, limit: number): ConsolidationRecord[] {
    return (this.s.consolidations.all(userId, limit) as (Omit<ConsolidationRecord, "sourceIds"> & { sourceIds: string })[]).map((r) => ({
      ...r,
      sourceIds: JSON.parse(r.sourceIds) as number[],
    }));
  }

  recordFeedback(r: { userId: number; memoryId: number; rating: FeedbackRating; context: string | null; at: string }): void {
    this.s.feedback.run(r.userId, r.memoryId, r.rating, r.context, r.at);
  }

  feedbackStats(userId: number): FeedbackStats {
    return this.s.feedbackStats.get(userId) as FeedbackStats;
  }

  /** Counts over the user's memories; the percentages and averages are left to the caller to round. */
  health(userId: number): Omit<MemoryHealth, "embedding_coverage_pct"> {
    return this.s.health.get({ userId }) as Omit<MemoryHealth, "embedding_coverage_pct">;
  }
}
