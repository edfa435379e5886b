import type { VectorHit, VectorIndex } from "./vector-index.js";

/** One tenant's vectors packed row-major in a growable Float32Array. */
export class TenantMatrix {
  private data: Float32Array;
  private ids: number[] = [];
  private slots = new Map<number, number>();

  constructor(private readonly dim: number) {
    this.data = new Float32Array(dim * 64);
  }

  get size() {
    return this.ids.length;
  }

  has(id: number): boolean {
    return this.slots.has(id);
  }

  *entries(): Iterable<{ id: number; vector: Float32Array }> {
    for (const [slot, id] of this.ids.entries()) yield { id, vector: this.data.subarray(slot * this.dim, (slot + 1) * this.dim) };
  }

  upsert(id: number, v: Float32Array) {
    if (v.length !== this.dim) throw new Error(`vector has ${v.length} dimensions, index has ${this.dim}`);
    let slot = this.slots.get(id);
    if (slot === undefined) {
      slot = this.ids.length;
      if ((slot + 1) * this.dim > this.data.length) {
        const grown = new Float32Array(this.data.length * 2);
        grown.set(this.data);
        this.data = grown;
      }
      this.ids.push(id);
      this.slots.set(id, slot);
    }
    this.data.set(v, slot * this.dim);
  }

  /** Swap-with-last keeps the matrix dense, so a scan never visits holes. */
  remove(id: number) {
    const slot = this.slots.get(id);
    if (slot === undefined) return;
    const last = this.ids.length - 1;
    if (slot !== last) {
      const movedId = this.ids[last]!;
      this.data.copyWithin(slot * this.dim, last * this.dim, (last + 1) * this.dim);
      this.ids[slot] = movedId;
      this.slots.set(movedId, slot);
    }
    this.ids.pop();
    this.slots.delete(id);
  }

  search(q: Float32Array, k: number): VectorHit[] {
    const n = this.ids.length;
    const dim = this.dim;
    const data = this.data;
    // A bounded min-heap would save little at these k; a sorted top-k buffer is simpler.
    const top: VectorHit[] = [];
    for (let row = 0; row < n; row++) {
      let dot = 0;
      const base = row * dim;
      for (let j = 0; j < dim; j++) dot += data[base + j]! * q[j]!;
      if (top.length < k || dot > top[top.length - 1]!.score) {
        let pos = top.length < k ? top.length : top.length - 1;
        if (top.length < k) top.push({ id: 0, score: 0 });
        while (pos > 0 && top[pos - 1]!.score < dot) {
          top[pos] = top[pos - 1]!;
          pos--;
        }
        top[pos] = { id: this.ids[row]!, score: dot };
      }
    }
    return top;
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
