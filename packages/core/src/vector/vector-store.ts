import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { and, eq, ne, sql } from "drizzle-orm";
import { memories, memoryVectors } from "../db/schema.js";
import { isoNow, type CoreContext } from "../context.js";
import { decodeVector, encodeVector } from "./codec.js";
import { ExactVectorIndex } from "./exact-index.js";
import type { VectorHit, VectorIndex, VectorSource } from "./index.js";
import { LanceVectorIndex, type IndexLog } from "./lance-index.js";
import { TieredVectorIndex } from "./tiered-index.js";

export interface ActiveModel {
  id: string;
  dimension: number;
}

/** Which index backs search: the exact scan alone, or LanceDB for tenants past the threshold. */
export interface VectorIndexConfig {
  useLance: boolean;
  lanceThreshold: number;
  /** Folder of the LanceDB tables (<dataDir>/lance); derived data, rebuilt from SQLite when lost. */
  lanceDir: string;
}

/** A folder name per model: readable, and distinct even for ids that sanitise alike. */
export function modelFolder(model: ActiveModel): string {
  const readable = model.id.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 60);
  const hash = createHash("sha256").update(model.id).digest("hex").slice(0, 8);
  return `${readable}-${model.dimension}d-${hash}`;
}

/**
 * The vectors of the active embedding model: rows in memory_vectors (written inside the
 * caller's transaction) and the index over them (updated after commit): the exact in-memory
 * scan, or LanceDB for tenants past the configured size.
 * Until a model is active there is nothing to search and nothing is written.
 */
export class VectorStore {
  private active: { model: ActiveModel; index: VectorIndex } | null = null;

  constructor(
    private readonly ctx: CoreContext,
    private readonly indexConfig: VectorIndexConfig | null = null,
    private readonly log?: IndexLog,
  ) {}

  get model(): ActiveModel | null {
    return this.active?.model ?? null;
  }

  activate(model: ActiveModel): void {
    const previous = this.active?.index;
    const source = this.source(model.id);
    let index: VectorIndex;
    const cfg = this.indexConfig;
    if (cfg?.useLance) {
      const folder = modelFolder(model);
      removeOtherModels(cfg.lanceDir, folder);
      const lance = new LanceVectorIndex({ dir: path.join(cfg.lanceDir, folder), dimension: model.dimension, source, log: this.log });
      index = new TieredVectorIndex(source, lance, cfg.lanceThreshold);
    } else {
      index = new ExactVectorIndex(model.dimension, (userId) => source.rows(userId));
    }
    this.active = { model, index };
    void previous?.close();
  }

  /** The model's committed vectors in SQLite, as the indexes read them. */
  private source(modelId: string): VectorSource {
    const sqlite = this.ctx.db.sqlite;
    const where = "FROM memory_vectors WHERE user_id = ? AND model = ?";
    const decode = (rows: Iterable<{ id: number; vector: Buffer }>) =>
      (function* () {
        for (const r of rows) yield { id: r.id, vector: decodeVector(r.vector) };
      })();
    return {
      rows: (userId) => decode(sqlite.prepare(`SELECT memory_id AS id, vector ${where}`).iterate(userId, modelId) as Iterable<{ id: number; vector: Buffer }>),
      rowsByIds: (userId, ids) =>
        decode(
          sqlite
            .prepare(`SELECT memory_id AS id, vector ${where} AND memory_id IN (SELECT value FROM json_each(?))`)
            .iterate(userId, modelId, JSON.stringify(ids)) as Iterable<{ id: number; vector: Buffer }>,
        ),
      ids: (userId) => sqlite.prepare(`SELECT memory_id ${where}`).pluck().all(userId, modelId) as number[],
      count: (userId) => sqlite.prepare(`SELECT count(*) ${where}`).pluck().get(userId, modelId) as number,
    };
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

  async search(userId: number, query: Float32Array, k: number): Promise<VectorHit[]> {
    return this.active ? this.active.index.search(userId, query, k) : [];
  }

  /** Writes out buffered index writes and releases the index's files (at shutdown). */
  async close(): Promise<void> {
    const index = this.active?.index;
    this.active = null;
    await index?.close();
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

/** Tables of other models are stale (their vectors in SQLite were replaced), so they go. */
function removeOtherModels(lanceDir: string, keep: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(lanceDir);
  } catch {
    return;
  }
  for (const name of entries) if (name !== keep) fs.rmSync(path.join(lanceDir, name), { recursive: true, force: true });
}
