/**
 * The vectors of recent search queries, least recently used dropped first: an agent asks the
 * same questions again and again, and embedding a query is most of a search's time.
 *
 * Keyed by model id and text, so a vector is never served for another model's space. Entries
 * are copied in and out: a caller that writes into its vector changes neither the cached one
 * nor what the next caller gets. Size 0 keeps nothing.
 */
export class QueryEmbeddingCache {
  private readonly entries = new Map<string, Float32Array>();

  constructor(readonly size: number) {}

  get(model: string, text: string): Float32Array | undefined {
    const key = keyOf(model, text);
    const v = this.entries.get(key);
    if (!v) return undefined;
    // Re-inserted: a Map iterates in insertion order, so its first key is the least recently used.
    this.entries.delete(key);
    this.entries.set(key, v);
    return v.slice();
  }

  set(model: string, text: string, vector: Float32Array): void {
    if (this.size === 0) return;
    const key = keyOf(model, text);
    this.entries.delete(key);
    this.entries.set(key, vector.slice());
    while (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
  }
}

// NUL cannot occur in a model id, so no (model, text) pair collides with another.
const keyOf = (model: string, text: string) => `${model}\u0000${text}`;
