import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { isoNow, type CoreContext } from "../context.js";
import { ExactVectorIndex } from "./exact-index.js";
import type { VectorHit, VectorIndex } from "./vector-index.js";
import { LanceVectorIndex, type IndexLog } from "./lance-index.js";
import { TieredVectorIndex } from "./tiered-index.js";
import { VectorRowStore, type UnembeddedMemory } from "./store.js";

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
  private readonly rows: VectorRowStore;

  constructor(
    private readonly ctx: CoreContext,
    private readonly indexConfig: VectorIndexConfig | null = null,
    private readonly log?: IndexLog,
  ) {
    this.rows = new VectorRowStore(ctx.db);
  }

  get model(): ActiveModel | null {
    return this.active?.model ?? null;
  }

  activate(model: ActiveModel): void {
    const previous = this.active?.index;
    const source = this.rows.source(model.id);
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

  /** Writes the row; call inside the transaction that writes the memory. */
  writeRow(userId: number, memoryId: number, vector: Float32Array): void {
    const model = this.active?.model;
    if (!model) throw new Error("no active embedding model");
    if (vector.length !== model.dimension) {
      throw new Error(`vector has ${vector.length} dimensions, ${model.id} has ${model.dimension}`);
    }
    this.rows.upsert({ memoryId, userId, model: model.id, vector, createdAt: isoNow(this.ctx) });
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
  missing(limit: number): UnembeddedMemory[] {
    const model = this.active?.model;
    if (!model) return [];
    return this.rows.unembedded(model.id, limit);
  }

  counts(): { vectors: number; pending: number; otherModels: number } {
    const model = this.active?.model;
    if (!model) return { vectors: 0, pending: 0, otherModels: this.rows.countAll() };
    return {
      vectors: this.rows.countOfModel(model.id),
      pending: this.rows.countUnembedded(model.id),
      otherModels: this.rows.countOtherModels(model.id),
    };
  }

  /** A stored memory's vector under the active model (what the auto-linker searches with), or null. */
  vectorOf(userId: number, memoryId: number): Float32Array | null {
    return this.model ? this.rows.vectorOf(userId, memoryId, this.model.id) : null;
  }

  /** Vector rows of a user's memory for tests and diagnostics. */
  rowFor(userId: number, memoryId: number): { model: string; dimension: number } | undefined {
    return this.rows.rowFor(userId, memoryId);
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
