import { SimdDotArena } from "./simd-dot.js";
import { topKRescored } from "./top-k-scan.js";
import type { VectorHit, VectorIndex } from "./vector-index.js";

/**
 * One tenant's vectors packed row-major, each row zero-padded to the arena's stride, in a
 * WebAssembly memory that grows by doubling (simd-dot.ts). A search scores every row there in
 * SIMD float32, then scores exactly the few rows that can reach the top k (top-k-scan.ts).
 */
export class TenantMatrix {
  private readonly arena: SimdDotArena;
  private ids: number[] = [];
  private slots = new Map<number, number>();
  /** The largest norm of any row stored so far: it bounds the fast pass's rounding error. */
  private maxNorm = 0;

  constructor(private readonly dim: number) {
    this.arena = new SimdDotArena(dim, 64);
  }

  get size() {
    return this.ids.length;
  }

  has(id: number): boolean {
    return this.slots.has(id);
  }

  /** Each row as a view of the arena: read or copy it before the next upsert (growing detaches it). */
  *entries(): Iterable<{ id: number; vector: Float32Array }> {
    const stride = this.arena.stride;
    for (const [slot, id] of this.ids.entries()) yield { id, vector: this.arena.rows.subarray(slot * stride, slot * stride + this.dim) };
  }

  upsert(id: number, v: Float32Array) {
    if (v.length !== this.dim) throw new Error(`vector has ${v.length} dimensions, index has ${this.dim}`);
    let slot = this.slots.get(id);
    if (slot === undefined) {
      slot = this.ids.length;
      this.arena.reserve(slot + 1);
      this.ids.push(id);
      this.slots.set(id, slot);
    }
    this.arena.rows.set(v, slot * this.arena.stride);
    let norm = 0;
    for (let j = 0; j < v.length; j++) norm += v[j]! * v[j]!;
    this.maxNorm = Math.max(this.maxNorm, Math.sqrt(norm));
  }

  /** Swap-with-last keeps the matrix dense, so a scan never visits holes. */
  remove(id: number) {
    const slot = this.slots.get(id);
    if (slot === undefined) return;
    const last = this.ids.length - 1;
    const stride = this.arena.stride;
    if (slot !== last) {
      const movedId = this.ids[last]!;
      this.arena.rows.copyWithin(slot * stride, last * stride, (last + 1) * stride);
      this.ids[slot] = movedId;
      this.slots.set(movedId, slot);
    }
    this.ids.pop();
    this.slots.delete(id);
  }

  search(q: Float32Array, k: number): VectorHit[] {
    const dim = this.dim;
    const stride = this.arena.stride;
    const rows = this.arena.rows;
    const fast = this.arena.scan(q, this.ids.length);
    let qNorm = 0;
    for (let j = 0; j < dim; j++) qNorm += q[j]! * q[j]!;
    // Each float32 product and partial sum rounds by at most 2^-24 of the sum of |products|
    // (≤ |q|·|row|), over at most stride/16 + 5 roundings in a chain: twice that many is a safe bound.
    const error = (stride / 8 + 8) * 2 ** -24 * Math.sqrt(qNorm) * this.maxNorm;
    // The scores search returns: every product, in a double, added left to right.
    const exact = (row: number) => {
      let dot = 0;
      const base = row * stride;
      for (let j = 0; j < dim; j++) dot += rows[base + j]! * q[j]!;
      return dot;
    };
    return topKRescored(fast, error, exact, this.ids, k);
  }
}

/**
 * Exact cosine scan per tenant. Each tenant's matrix is loaded on first use by `loader`
 * (from SQLite), then kept current by upsert/remove.
 */
export class ExactVectorIndex implements VectorIndex {
  private readonly tenants = new Map<number, TenantMatrix>();

  constructor(
    private readonly dimension: number,
    private readonly loader: (userId: number) => Iterable<{ id: number; vector: Float32Array }>,
  ) {}

  private tenant(userId: number): TenantMatrix {
    let m = this.tenants.get(userId);
    if (!m) {
      m = new TenantMatrix(this.dimension);
      for (const { id, vector } of this.loader(userId)) m.upsert(id, vector);
      this.tenants.set(userId, m);
    }
    return m;
  }

  upsert(userId: number, id: number, vector: Float32Array) {
    // An unloaded tenant picks the vector up from SQLite when it loads.
    this.tenants.get(userId)?.upsert(id, vector);
  }

  remove(userId: number, id: number) {
    this.tenants.get(userId)?.remove(id);
  }

  async search(userId: number, query: Float32Array, k: number): Promise<VectorHit[]> {
    checkQuery(query, this.dimension);
    return this.tenant(userId).search(query, k);
  }

  async size(userId: number): Promise<number> {
    return this.tenant(userId).size;
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.tenants.clear();
  }
}

export function checkQuery(query: Float32Array, dimension: number): void {
  if (query.length !== dimension) throw new Error(`query has ${query.length} dimensions, index has ${dimension}`);
}
