/** A nearest-neighbour match: memory id and cosine similarity (vectors are normalised). */
export interface VectorHit {
  id: number;
  score: number;
}

/**
 * Per-tenant nearest-neighbour search over normalised vectors of one model. Backends agree
 * on one contract: a write is visible to the next search, and a search never crosses tenants.
 * Writes are synchronous (they follow a SQLite commit, which is the source of truth); reads
 * are asynchronous because a backend may answer from disk.
 */
export interface VectorIndex {
  upsert(userId: number, id: number, vector: Float32Array): void;
  remove(userId: number, id: number): void;
  search(userId: number, query: Float32Array, k: number): Promise<VectorHit[]>;
  size(userId: number): Promise<number>;
  /** Writes out whatever a backend still buffers (a no-op for in-memory ones). */
  flush(): Promise<void>;
  /** Flushes and releases files; the index is not used afterwards. */
  close(): Promise<void>;
}

/** A tenant's committed vectors as SQLite holds them: what every index is built from. */
export interface VectorSource {
  rows(userId: number): Iterable<{ id: number; vector: Float32Array }>;
  /** Only the given ids (those a derived index lacks). */
  rowsByIds(userId: number, ids: readonly number[]): Iterable<{ id: number; vector: Float32Array }>;
  ids(userId: number): number[];
  count(userId: number): number;
}
