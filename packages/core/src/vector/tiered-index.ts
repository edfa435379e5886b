import { TenantMatrix, checkQuery } from "./exact-index.js";
import type { VectorHit, VectorIndex, VectorSource } from "./vector-index.js";
import type { LanceVectorIndex } from "./lance-index.js";

/**
 * Small tenants are scanned exactly in memory; a tenant moves to LanceDB once it holds
 * `threshold` vectors (and stays there: a table on disk from an earlier run is reused).
 * The move runs in the background: the in-memory matrix keeps answering, and every write
 * goes to both, until the table is built and healed; then the matrix is dropped.
 */
export class TieredVectorIndex implements VectorIndex {
  private readonly exact = new Map<number, TenantMatrix>();
  private readonly moving = new Set<number>();
  /** After a failed move, the size at which the next attempt is made (not on every write). */
  private readonly retryAt = new Map<number, number>();

  constructor(
    private readonly source: VectorSource,
    private readonly lance: LanceVectorIndex,
    readonly threshold: number,
  ) {}

  /** The tenant's matrix while it is scanned in memory; null once (or when) it lives in LanceDB. */
  private matrix(userId: number): TenantMatrix | null {
    const loaded = this.exact.get(userId);
    if (loaded) return loaded;
    if (this.lance.holds(userId) || this.source.count(userId) >= this.threshold) return null;
    const m = new TenantMatrix(this.lance.dimension);
    for (const { id, vector } of this.source.rows(userId)) m.upsert(id, vector);
    this.exact.set(userId, m);
    return m;
  }

  /** Where a tenant is answered from now: "exact", "moving" (exact, table being built) or "lance". */
  placement(userId: number): "exact" | "moving" | "lance" {
    if (this.moving.has(userId)) return "moving";
    return this.exact.has(userId) ? "exact" : this.lance.holds(userId) ? "lance" : this.matrix(userId) ? "exact" : "lance";
  }

  upsert(userId: number, id: number, vector: Float32Array): void {
    const m = this.exact.get(userId);
    if (!m) return this.lance.upsert(userId, id, vector);
    m.upsert(id, vector);
    if (this.moving.has(userId)) this.lance.upsert(userId, id, vector);
    else if (m.size >= Math.max(this.threshold, this.retryAt.get(userId) ?? 0)) this.move(userId);
  }

  remove(userId: number, id: number): void {
    const m = this.exact.get(userId);
    m?.remove(id);
    if (!m || this.moving.has(userId)) this.lance.remove(userId, id);
  }

  private move(userId: number): void {
    this.moving.add(userId);
    this.lance.open(userId).then(
      () => {
        this.exact.delete(userId);
        this.moving.delete(userId);
        this.retryAt.delete(userId);
      },
      // The failure is logged by the Lance index; the tenant stays in memory and tries again after 10% more writes.
      () => {
        this.moving.delete(userId);
        this.retryAt.set(userId, Math.ceil((this.exact.get(userId)?.size ?? this.threshold) * 1.1));
      },
    );
  }

  async search(userId: number, query: Float32Array, k: number): Promise<VectorHit[]> {
    checkQuery(query, this.lance.dimension);
    const m = this.matrix(userId);
    return m ? m.search(query, k) : this.lance.search(userId, query, k);
  }

  async size(userId: number): Promise<number> {
    const m = this.matrix(userId);
    return m ? m.size : this.lance.size(userId);
  }

  async flush(): Promise<void> {
    await this.lance.flush();
  }

  async close(): Promise<void> {
    this.exact.clear();
    await this.lance.close();
  }
}
