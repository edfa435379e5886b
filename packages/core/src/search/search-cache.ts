/**
 * Recent search rankings per tenant, least recently used evicted first. Any write of a
 * tenant bumps its generation: entries of older generations are gone, and a search that
 * started before the write cannot store its now-stale ranking.
 */
export class SearchCache<V> {
  private readonly generations = new Map<number, number>();
  private readonly entries = new Map<number, Map<string, V>>();

  constructor(private readonly perTenant: number) {}

  generation(userId: number): number {
    return this.generations.get(userId) ?? 0;
  }

  invalidate(userId: number): void {
    this.generations.set(userId, this.generation(userId) + 1);
    this.entries.delete(userId);
  }

  get(userId: number, key: string): V | undefined {
    const tenant = this.entries.get(userId);
    const value = tenant?.get(key);
    if (value !== undefined) {
      // Re-insert to mark it most recently used (Maps iterate in insertion order).
      tenant!.delete(key);
      tenant!.set(key, value);
    }
    return value;
  }

  set(userId: number, key: string, value: V, generation: number): void {
    if (this.perTenant === 0 || generation !== this.generation(userId)) return;
    let tenant = this.entries.get(userId);
    if (!tenant) this.entries.set(userId, (tenant = new Map()));
    tenant.set(key, value);
    if (tenant.size > this.perTenant) tenant.delete(tenant.keys().next().value!);
  }
}
