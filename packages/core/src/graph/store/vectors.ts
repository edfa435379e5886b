import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/connection.js";
import { decodeVector } from "../../vector/codec.js";

/**
 * The one read of memory_vectors the graph makes: a stored memory's own vector, which the
 * auto-linker searches with. The table belongs to vector/; this read belongs in its store
 * (VectorStore has no single-vector read today), and is kept to this file until it moves there.
 */
export class StoredVectors {
  private readonly vectorOf: Statement;

  constructor(db: Db) {
    this.vectorOf = db.sqlite.prepare("SELECT vector FROM memory_vectors WHERE memory_id = ? AND user_id = ? AND model = ?").pluck();
  }

  /** The memory's vector under `model`, or null when it has none (no embeddings, not embedded yet, another model). */
  of(userId: number, memoryId: number, model: string): Float32Array | null {
    const blob = this.vectorOf.get(memoryId, userId, model) as Buffer | undefined;
    return blob ? decodeVector(blob) : null;
  }
}
