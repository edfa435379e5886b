import { and, eq, ne, sql } from "drizzle-orm";
import { memories, memoryVectors } from "../db/schema.js";
import { isoNow, type CoreContext } from "../context.js";
import { decodeVector, encodeVector } from "./codec.js";
import { ExactVectorIndex } from "./exact-index.js";
import type { VectorHit, VectorIndex } from "./index.js";

export interface ActiveModel {
  id: string;
  dimension: number;
}

/**
 * The vectors of the active embedding model: rows in memory_vectors (written inside the
 * caller's transaction) and the in-memory index over them (updated after commit).
 * Until a model is active there is nothing to search and nothing is written.
 */
export class VectorStore {
  private active: { model: ActiveModel; index: VectorIndex } | null = null;

  constructor(private readonly ctx: CoreContext) {}

  get model(): ActiveModel | null {
    return this.active?.model ?? null;
  }

  activate(model: ActiveModel): void {
    const index = new ExactVectorIndex(model.dimension, (userId) => this.load(userId, model.id));
    this.active = { model, index };
  }

  private *load(userId: number, modelId: string) {
    const rows = this.ctx.db.sqlite
      .prepare("SELECT memory_id AS id, vector FROM memory_vectors WHERE user_id = ? AND model = ?")
      .iterate(userId, modelId) as Iterable<{ id: number; vector: Buffer }>;
    for (const r of rows) yield { id: r.id, vector: decodeVector(r.vector) };
  }

  /** Writes the row; call inside the transaction that writes the memory. */
  writeRow(userId: number, memoryId: number, vector: Float32Array): void {
    const model = this.active?.model;
    if (!model) throw new Error("no active embedding model");
    if (vector.length !== model.dimension) {
      throw new Error(`vector has ${vector.length} dimensions, ${model.id} has ${model.dimension}`);
    }
    this.ctx.db.orm
      .insert(memoryVectors)
      .values({ memoryId, userId, model: model.id, dimension: vector.length, vector: encodeVector(vector), createdAt: isoNow(this.ctx) })
      .onConflictDoUpdate({
        target: memoryVectors.memoryId,
        set: { model: model.id, dimension: vector.length, vector: encodeVector(vector), createdAt: isoNow(this.ctx) },
      })
      .run();
  }

  /** Makes committed writes and deletes visible to search. */
  indexed(userId: number, memoryId: number, vector: Float32Array | null): void {
    if (!this.active) return;
    if (vector) this.active.index.upsert(userId, memoryId, vector);
    else this.active.index.remove(userId, memoryId);
  }

  search(userId: number, query: Float32Array, k: number): VectorHit[] {
    return this.active ? this.active.index.search(userId, query, k) : [];
  }

  /** Latest, live memories with no vector of the active model: what the backfill must embed. */
  missing(limit: number): { id: number; userId: number; content: string }[] {
    const model = this.active?.model;
    if (!model) return [];
    return this.ctx.db.sqlite
      .prepare(
        `SELECT m.id, m.user_id AS userId, m.content FROM memories m
         LEFT JOIN memory_vectors v ON v.memory_id = m.id AND v.model = ?
         WHERE v.memory_id IS NULL AND m.is_latest = 1 AND m.is_forgotten = 0
         ORDER BY m.id LIMIT ?`,
      )
      .all(model.id, limit) as { id: number; userId: number; content: string }[];
  }

  counts(): { vectors: number; pending: number; otherModels: number } {
    const model = this.active?.model;
    if (!model) {
      const all = this.ctx.db.orm.select({ n: sql<number>`count(*)` }).from(memoryVectors).get()!.n;
      return { vectors: 0, pending: 0, otherModels: all };
    }
    const vectors = this.ctx.db.orm.select({ n: sql<number>`count(*)` }).from(memoryVectors).where(eq(memoryVectors.model, model.id)).get()!.n;
    const otherModels = this.ctx.db.orm.select({ n: sql<number>`count(*)` }).from(memoryVectors).where(ne(memoryVectors.model, model.id)).get()!.n;
    const pending = this.ctx.db.sqlite
      .prepare(
        `SELECT count(*) AS n FROM memories m LEFT JOIN memory_vectors v ON v.memory_id = m.id AND v.model = ?
         WHERE v.memory_id IS NULL AND m.is_latest = 1 AND m.is_forgotten = 0`,
      )
      .get(model.id) as { n: number };
    return { vectors, pending: pending.n, otherModels };
  }

  /** Vector rows of a user's memory for tests and diagnostics. */
  rowFor(userId: number, memoryId: number) {
    return this.ctx.db.orm
      .select({ model: memoryVectors.model, dimension: memoryVectors.dimension })
      .from(memoryVectors)
      .innerJoin(memories, eq(memories.id, memoryVectors.memoryId))
      .where(and(eq(memoryVectors.memoryId, memoryId), eq(memories.userId, userId)))
      .get();
  }
}
