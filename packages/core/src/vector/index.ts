/** A nearest-neighbour match: memory id and cosine similarity (vectors are normalised). */
export interface VectorHit {
  id: number;
  score: number;
}

/**
 * Per-tenant nearest-neighbour search over normalised vectors of one model. Backends agree
 * on one contract: a write is visible to the next search, and a search never crosses tenants.
 */
export interface VectorIndex {
  upsert(userId: number, id: number, vector: Float32Array): void;
  remove(userId: number, id: number): void;
  search(userId: number, query: Float32Array, k: number): VectorHit[];
  size(userId: number): number;
}
