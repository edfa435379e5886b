import type { Db } from "../db/connection.js";
import { presentMemorySql } from "../memory/index.js";
import { decodeVector, encodeVector } from "./codec.js";
import type { VectorSource } from "./vector-index.js";

/** A present memory that has no vector of the active model yet. */
export interface UnembeddedMemory {
  id: number;
  userId: number;
  content: string;
}

type RawVector = { id: number; vector: Buffer };

function* decoded(rows: Iterable<RawVector>) {
  for (const r of rows) yield { id: r.id, vector: decodeVector(r.vector) };
}

/**
 * Every statement on memory_vectors, prepared once: one row per memory, the vector of the model
 * that wrote it. Which memories still lack a vector is read with memory's present rule.
 */
export class VectorRowStore {
  private readonly stmts;

  constructor(db: Db) {
    const s = (text: string) => db.sqlite.prepare(text);
    const where = "FROM memory_vectors WHERE user_id = ? AND model = ?";
    const unembedded = `FROM memories m LEFT JOIN memory_vectors v ON v.memory_id = m.id AND v.model = ?
         WHERE v.memory_id IS NULL AND ${presentMemorySql("m")}`;
    this.stmts = {
      rows: s(`SELECT memory_id AS id, vector ${where}`),
      rowsByIds: s(`SELECT memory_id AS id, vector ${where} AND memory_id IN (SELECT value FROM json_each(?))`),
      ids: s(`SELECT memory_id ${where}`).pluck(),
      count: s(`SELECT count(*) ${where}`).pluck(),
      upsert: s(
        `INSERT INTO memory_vectors (memory_id, user_id, model, dimension, vector, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (memory_id) DO UPDATE SET model = excluded.model, dimension = excluded.dimension, vector = excluded.vector, created_at = excluded.created_at`,
      ),
      unembedded: s(`SELECT m.id, m.user_id AS userId, m.content ${unembedded} ORDER BY m.id LIMIT ?`),
      countUnembedded: s(`SELECT count(*) ${unembedded}`).pluck(),
      countAll: s(`SELECT count(*) FROM memory_vectors`).pluck(),
      countOfModel: s(`SELECT count(*) FROM memory_vectors WHERE model = ?`).pluck(),
      countOtherModels: s(`SELECT count(*) FROM memory_vectors WHERE model <> ?`).pluck(),
      vectorOf: s("SELECT vector FROM memory_vectors WHERE memory_id = ? AND user_id = ? AND model = ?").pluck(),
      rowFor: s(
        `SELECT v.model, v.dimension FROM memory_vectors v INNER JOIN memories m ON m.id = v.memory_id WHERE v.memory_id = ? AND m.user_id = ?`,
      ),
    };
  }

  /** The model's committed vectors, as the indexes read them. */
  source(modelId: string): VectorSource {
    const { rows, rowsByIds, ids, count } = this.stmts;
    return {
      rows: (userId) => decoded(rows.iterate(userId, modelId) as Iterable<RawVector>),
      rowsByIds: (userId, wanted) => decoded(rowsByIds.iterate(userId, modelId, JSON.stringify(wanted)) as Iterable<RawVector>),
      ids: (userId) => ids.all(userId, modelId) as number[],
      count: (userId) => count.get(userId, modelId) as number,
    };
  }

  /** The memory's vector, replacing the one it had (of any model). */
  upsert(row: { memoryId: number; userId: number; model: string; vector: Float32Array; createdAt: string }): void {
    this.stmts.upsert.run(row.memoryId, row.userId, row.model, row.vector.length, encodeVector(row.vector), row.createdAt);
  }

  /** Present memories with no vector of the model, oldest first. */
  unembedded(modelId: string, limit: number): UnembeddedMemory[] {
    return this.stmts.unembedded.all(modelId, limit) as UnembeddedMemory[];
  }

  countUnembedded(modelId: string): number {
    return this.stmts.countUnembedded.get(modelId) as number;
  }

  countAll(): number {
    return this.stmts.countAll.get() as number;
  }

  countOfModel(modelId: string): number {
    return this.stmts.countOfModel.get(modelId) as number;
  }

  countOtherModels(modelId: string): number {
    return this.stmts.countOtherModels.get(modelId) as number;
  }

  /** The memory's vector under `model`, or null when it has none (not embedded yet, or by another model). */
  vectorOf(userId: number, memoryId: number, modelId: string): Float32Array | null {
    const blob = this.stmts.vectorOf.get(memoryId, userId, modelId) as Buffer | undefined;
    return blob ? decodeVector(blob) : null;
  }

  /** Model and dimension of the vector of a user's memory, if it has one. */
  rowFor(userId: number, memoryId: number): { model: string; dimension: number } | undefined {
    return this.stmts.rowFor.get(memoryId, userId) as { model: string; dimension: number } | undefined;
  }
}
