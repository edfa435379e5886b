export interface ReadCacheOptions {
  maxEntries: number;
  ttlMs: number;
  /** Milliseconds; injectable so expiry is testable without waiting. */
  now?: () => number;
}

/**
 * Answers of search, recall and context for this session, keyed by route and request body.
 * Writes through the sidecar clear it; the TTL bounds how long writes made elsewhere (other
 * sessions, the CLI) stay invisible. Least recently used entries go first when it is full.
 */
export class ReadCache {
  private readonly entries = new Map<string, { value: unknown; expiresAt: number }>();
  private hits = 0;
  private misses = 0;
  private readonly now: () => number;

  constructor(private readonly opts: ReadCacheOptions) {
    this.now = opts.now ?? Date.now;
  }

  get(key: string): unknown {
    const entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= this.now()) {
      if (entry) this.entries.delete(key);
      this.misses++;
      return undefined;
    }
    // Re-inserting moves the key to the back of the Map's order: the most recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return entry.value;
  }

  set(key: string, value: unknown): void {
    if (this.opts.maxEntries <= 0 || this.opts.ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + this.opts.ttlMs });
    while (this.entries.size > this.opts.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }

  stats() {
    return { entries: this.entries.size, hits: this.hits, misses: this.misses };
  }
}

/** The same request with its keys in another order is the same cache entry. */
export function cacheKey(route: string, body: unknown): string {
  return `${route} ${JSON.stringify(sortKeys(body))}`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
