import type { Statement } from "better-sqlite3";
import type { Db, FactRow } from "../../db/index.js";
import { liveMemorySql } from "../../memory/index.js";
import type { FactPair } from "./contradictions.js";
import type { Window } from "./windows.js";

/** A fact to insert, its window already planned. */
export interface NewFact {
  userId: number;
  memoryId: number;
  subject: string;
  predicate: string;
  object: string;
  objectNorm: string;
  negated: boolean;
  exclusive: boolean;
  quantity: number | null;
  unit: string | null;
  dateRef: string | null;
  validAt: string;
  invalidAt: string | null;
  invalidatedBy: number | null;
  confidence: number;
  episodeId: number | null;
  method: "rules" | "llm";
  createdAt: string;
}

export interface FactFilter {
  memoryId?: number | undefined;
  subject?: string | undefined;
  predicate?: string | undefined;
  at?: string | undefined;
  current?: boolean | undefined;
  limit: number;
  offset: number;
}

const COLUMNS = `f.id, f.user_id AS userId, f.memory_id AS memoryId, f.subject, f.predicate, f.object, f.object_norm AS objectNorm,
  f.negated, f.exclusive, f.quantity, f.unit, f.date_ref AS dateRef, f.valid_at AS validAt, f.invalid_at AS invalidAt,
  f.invalidated_by AS invalidatedBy, f.confidence, f.episode_id AS episodeId, f.method, f.created_at AS createdAt`;

const toFact = (r: Record<string, unknown>): FactRow => ({ ...(r as unknown as FactRow), negated: r.negated === 1, exclusive: r.exclusive === 1 });

/**
 * A memory's "origin": the parent it was decomposed from (its `has_fact` link), else itself. Facts
 * of one origin repeat each other, so they never contradict one another.
 */
const origin = (col: string) =>
  `coalesce((SELECT l.source_id FROM memory_links l WHERE l.target_id = ${col} AND l.type = 'has_fact' LIMIT 1), ${col})`;

/**
 * Every statement on structured_facts and fact_extractions. Each is filtered by the user; facts are
 * listed only while their memory is approved, and contradictions only between live memories.
 */
export class FactStore {
  private readonly insertOne: Statement;
  private readonly slotOf: Statement;
  private readonly slotOfObject: Statement;
  private readonly closeOne: Statement;
  private readonly closeOpenOf: Statement;
  private readonly creditSuperseded: Statement;
  private readonly extractionOf: Statement;
  private readonly recordOne: Statement;
  private readonly idsOf: Statement;
  private readonly untried: Statement;
  private readonly pairsOfFacts: Statement;
  private readonly pairsOfMemory: Statement;
  private readonly pairsAll: Statement;
  private readonly pairsOfSubject: Statement;
  private readonly forMemories: Statement;

  constructor(private readonly db: Db) {
    const s = db.sqlite;
    this.insertOne = s.prepare(
      `INSERT INTO structured_facts (user_id, memory_id, subject, predicate, object, object_norm, negated, exclusive, quantity, unit, date_ref,
         valid_at, invalid_at, invalidated_by, confidence, episode_id, method, created_at)
       VALUES (@userId, @memoryId, @subject, @predicate, @object, @objectNorm, @negated, @exclusive, @quantity, @unit, @dateRef,
         @validAt, @invalidAt, @invalidatedBy, @confidence, @episodeId, @method, @createdAt)`,
    );
    this.slotOf = s.prepare(
      `SELECT id, valid_at AS validAt, invalid_at AS invalidAt FROM structured_facts
        WHERE user_id = ? AND subject = ? AND predicate = ? AND exclusive = 1 AND negated = 0`,
    );
    this.slotOfObject = s.prepare(
      `SELECT id, valid_at AS validAt, invalid_at AS invalidAt FROM structured_facts
        WHERE user_id = ? AND subject = ? AND predicate = ? AND object_norm = ? AND exclusive = 1 AND negated = 0`,
    );
    this.closeOne = s.prepare(`UPDATE structured_facts SET invalid_at = ?, invalidated_by = ? WHERE id = ? AND user_id = ?`);
    this.closeOpenOf = s.prepare(
      `UPDATE structured_facts SET invalid_at = ? WHERE user_id = ? AND memory_id = ? AND (invalid_at IS NULL OR invalid_at > ?)`,
    );
    // The facts a correction closed wait for the replacement's first fact (see creditSupersession).
    this.creditSuperseded = s.prepare(
      `UPDATE structured_facts SET invalidated_by = @by
        WHERE user_id = @userId AND invalid_at IS NOT NULL AND invalidated_by IS NULL
          AND memory_id IN (SELECT l.target_id FROM memory_links l WHERE l.user_id = @userId AND l.source_id = @memoryId AND l.type = 'supersedes')`,
    );
    this.extractionOf = s.prepare(`SELECT method, fact_count AS factCount FROM fact_extractions WHERE memory_id = ? AND user_id = ?`);
    this.recordOne = s.prepare(
      `INSERT INTO fact_extractions (memory_id, user_id, method, fact_count, extracted_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (memory_id) DO UPDATE SET method = excluded.method, fact_count = excluded.fact_count, extracted_at = excluded.extracted_at`,
    );
    this.idsOf = s.prepare(`SELECT id FROM structured_facts WHERE user_id = ? AND memory_id = ? ORDER BY id`).pluck();
    this.untried = s
      .prepare(
        `SELECT m.id FROM memories m
          WHERE m.user_id = ? AND ${liveMemorySql("m")} AND NOT EXISTS (SELECT 1 FROM fact_extractions e WHERE e.memory_id = m.id)
          ORDER BY m.id LIMIT ?`,
      )
      .pluck();
    // Candidate pairs: same user, subject and predicate, two live memories of different origins,
    // `a` from the older memory. The WHERE is conflictKind (contradictions.ts) in SQL, so LIMIT counts
    // real conflicts.
    const pairs = (where: string, limit: boolean) =>
      s.prepare(
        `SELECT a.id AS factA, b.id AS factB, a.memory_id AS memoryA, b.memory_id AS memoryB, a.subject, a.predicate,
                a.object AS objectA, b.object AS objectB, a.object_norm AS normA, b.object_norm AS normB,
                a.negated AS negatedA, b.negated AS negatedB, (a.exclusive AND b.exclusive) AS exclusive,
                a.quantity AS quantityA, b.quantity AS quantityB, a.confidence AS confidenceA, b.confidence AS confidenceB
           FROM structured_facts a
           JOIN structured_facts b ON b.user_id = a.user_id AND b.subject = a.subject AND b.predicate = a.predicate AND b.memory_id <> a.memory_id
           JOIN memories ma ON ma.id = a.memory_id
           JOIN memories mb ON mb.id = b.memory_id
          WHERE a.user_id = @userId AND ${where}
            AND (ma.created_at < mb.created_at OR (ma.created_at = mb.created_at AND ma.id < mb.id))
            AND ${liveMemorySql("ma")} AND ${liveMemorySql("mb")}
            AND ((a.predicate = 'has' AND a.object_norm = b.object_norm AND a.negated = 0 AND b.negated = 0 AND a.quantity IS NOT b.quantity)
              OR (a.predicate <> 'has' AND a.object_norm = b.object_norm AND a.negated <> b.negated)
              OR (a.predicate <> 'has' AND a.exclusive = 1 AND b.exclusive = 1 AND a.negated = 0 AND b.negated = 0 AND a.object_norm <> b.object_norm))
            AND ${origin("a.memory_id")} <> ${origin("b.memory_id")}
          ORDER BY mb.created_at DESC, b.id DESC, a.id DESC ${limit ? "LIMIT @limit" : ""}`,
      );
    this.pairsOfFacts = pairs(`(a.id IN (SELECT value FROM json_each(@ids)) OR b.id IN (SELECT value FROM json_each(@ids)))`, false);
    this.pairsOfMemory = pairs(`(a.memory_id = @memoryId OR b.memory_id = @memoryId)`, false);
    this.pairsAll = pairs("1 = 1", true);
    this.pairsOfSubject = pairs("a.subject = @subject", true);
    this.forMemories = s.prepare(
      `SELECT ${COLUMNS} FROM json_each(?) j CROSS JOIN structured_facts f ON f.memory_id = j.value WHERE f.user_id = ? ORDER BY f.id`,
    );
  }

  insert(f: NewFact): number {
    return Number(this.insertOne.run({ ...f, negated: f.negated ? 1 : 0, exclusive: f.exclusive ? 1 : 0 }).lastInsertRowid);
  }

  /** The windows of a slot: a subject and exclusive predicate (and for `has`, the object). */
  slot(userId: number, subject: string, predicate: string, objectNorm: string | null): Window[] {
    return (objectNorm === null ? this.slotOf.all(userId, subject, predicate) : this.slotOfObject.all(userId, subject, predicate, objectNorm)) as Window[];
  }

  close(userId: number, id: number, at: string, by: number | null): void {
    this.closeOne.run(at, by, id, userId);
  }

  /** Ends every window of the memory's facts still open at `at`, there; the count closed. */
  closeOfMemory(userId: number, memoryId: number, at: string): number {
    return this.closeOpenOf.run(at, userId, memoryId, at).changes;
  }

  /**
   * Names `by` as what ended the closed facts of the memories `memoryId` supersedes (a `supersedes`
   * link from it) that no fact was named for yet; the count named.
   */
  creditSupersession(userId: number, memoryId: number, by: number): number {
    return this.creditSuperseded.run({ userId, memoryId, by }).changes;
  }

  extraction(userId: number, memoryId: number): { method: string; factCount: number } | undefined {
    return this.extractionOf.get(memoryId, userId) as { method: string; factCount: number } | undefined;
  }

  recordExtraction(userId: number, memoryId: number, method: string, factCount: number, at: string): void {
    this.recordOne.run(memoryId, userId, method, factCount, at);
  }

  factIds(userId: number, memoryId: number): number[] {
    return this.idsOf.all(userId, memoryId) as number[];
  }

  /** Live memories of the user the extractor has not run on, oldest first. */
  untriedMemories(userId: number, limit: number): number[] {
    return this.untried.all(userId, limit) as number[];
  }

  /** The facts of these memories (any tenant's ids are filtered out by `userId`). */
  ofMemories(userId: number, memoryIds: readonly number[]): FactRow[] {
    return (this.forMemories.all(JSON.stringify(memoryIds), userId) as Record<string, unknown>[]).map(toFact);
  }

  /** Newest window start first; only facts of approved memories. */
  list(userId: number, f: FactFilter): FactRow[] {
    const conds = ["f.user_id = @userId", "m.review_status = 'approved'"];
    if (f.memoryId !== undefined) conds.push("f.memory_id = @memoryId");
    if (f.subject !== undefined) conds.push("f.subject = @subject");
    if (f.predicate !== undefined) conds.push("f.predicate = @predicate");
    if (f.at !== undefined) conds.push("f.valid_at <= @at AND (f.invalid_at IS NULL OR f.invalid_at > @at)");
    if (f.current) conds.push("f.invalid_at IS NULL");
    const rows = this.db.sqlite
      .prepare(
        `SELECT ${COLUMNS} FROM structured_facts f JOIN memories m ON m.id = f.memory_id
          WHERE ${conds.join(" AND ")} ORDER BY f.valid_at DESC, f.id DESC LIMIT @limit OFFSET @offset`,
      )
      .all({ userId, memoryId: f.memoryId, subject: f.subject, predicate: f.predicate, at: f.at, limit: f.limit, offset: f.offset });
    return (rows as Record<string, unknown>[]).map(toFact);
  }

  pairsOf(userId: number, factIds: readonly number[]): FactPair[] {
    return this.pairsOfFacts.all({ userId, ids: JSON.stringify(factIds) }) as FactPair[];
  }

  pairsOfMemoryId(userId: number, memoryId: number): FactPair[] {
    return this.pairsOfMemory.all({ userId, memoryId }) as FactPair[];
  }

  /** Candidate pairs across the user's facts (or one subject's), newest first, at most `limit`. */
  scan(userId: number, subject: string | undefined, limit: number): FactPair[] {
    return (subject === undefined ? this.pairsAll.all({ userId, limit }) : this.pairsOfSubject.all({ userId, subject, limit })) as FactPair[];
  }
}
