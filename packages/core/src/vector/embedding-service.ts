import type { Embedder, QueryEmbeddingCache } from "../embed/index.js";
import type { VectorStore } from "./vector-store.js";
import { normalize } from "./codec.js";

export interface ReembedJob {
  id: number;
  state: "running" | "done" | "failed";
  total: number;
  done: number;
  error: string | null;
  started_at: string;
  finished_at: string | null;
}

export interface EmbeddingLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

const BACKFILL_BATCH = 32;

/**
 * Owns the embedder's life: loads it off the request path, activates the vector store for
 * its model once the dimension is known, and embeds whatever lacks a vector of that model
 * (memories stored while it loaded or failed, or all of them after a model change).
 */
export class EmbeddingService {
  private jobs: ReembedJob[] = [];
  private backfill: Promise<void> | null = null;
  private nextJobId = 1;

  constructor(
    readonly embedder: Embedder | null,
    private readonly vectors: VectorStore,
    private readonly log: EmbeddingLog,
    private readonly onBatchStored: (rows: { id: number; userId: number; vector: Float32Array }[]) => void,
    private readonly queryCache: QueryEmbeddingCache,
  ) {}

  status(): "loaded" | "loading" | "error" | "disabled" {
    return this.embedder ? this.embedder.status() : "disabled";
  }

  /** Starts loading; resolves when loaded (or failed: then embeddings stay pending). */
  async start(): Promise<void> {
    if (!this.embedder) {
      this.log.info({}, "embeddings disabled: search is lexical only");
      return;
    }
    try {
      await this.ensureActive();
      this.log.info({ model: this.embedder.id, dimension: this.embedder.dimension }, "embedding model loaded");
      this.startBackfill();
    } catch (err) {
      this.log.warn({ err: (err as Error).message, model: this.embedder.id }, "embedding model failed to load; memories are stored without vectors until it loads");
    }
  }

  private async ensureActive(): Promise<Embedder> {
    const e = this.embedder!;
    await e.load();
    if (this.vectors.model?.id !== e.id) this.vectors.activate({ id: e.id, dimension: e.dimension });
    return e;
  }

  /**
   * A normalised vector for each text, or null when no model is (or can be) loaded. With the
   * model loaded and active, the texts are handed to the embedder within this call, so the
   * caller's own work after it (a search's BM25) runs while they are embedded.
   */
  embed(texts: string[]): Promise<Float32Array[] | null> {
    const e = this.embedder;
    if (!e) return Promise.resolve(null);
    const ready = e.status() === "loaded" && this.vectors.model?.id === e.id;
    const vectors = ready ? e.embed(texts) : this.ensureActive().then(() => e.embed(texts));
    return vectors.catch((err: unknown) => {
      this.log.warn({ err: (err as Error).message }, "embedding failed; stored without a vector for now");
      return null;
    });
  }

  /**
   * A search query's vector, from the cache of recent queries when it was embedded before
   * (ENGRAM_QUERY_EMBED_CACHE), else embedded now like `embed`. The vector is the caller's own.
   */
  embedQuery(query: string): Promise<Float32Array | null> {
    const e = this.embedder;
    if (!e) return Promise.resolve(null);
    const hit = this.queryCache.get(e.id, query);
    if (hit) return Promise.resolve(hit);
    return this.embed([query]).then((vectors) => {
      const v = vectors?.[0];
      if (!v) return null;
      this.queryCache.set(e.id, query, v);
      return v;
    });
  }

  /** Checks a client-supplied vector against the active model. */
  acceptProvided(vector: number[]): Float32Array | string {
    const model = this.vectors.model;
    if (!model) return "no embedding model is active, so vectors cannot be stored";
    if (vector.length !== model.dimension) return `has ${vector.length} dimensions; the active model ${model.id} has ${model.dimension}`;
    // Checked after the conversion: a JSON number past float32 range (1e39) becomes Infinity
    // there, and normalising would turn the whole vector into NaN.
    const v = Float32Array.from(vector);
    if (!v.every(Number.isFinite)) return "must contain only numbers within float32 range (magnitude below 3.4e38)";
    return normalize(v);
  }

  /**
   * Embeds, in the background, the memories written without a vector (an import's): at once when
   * the model is loaded, otherwise `start()` backfills them once it is.
   */
  backfillMissing(): void {
    if (this.embedder?.status() === "loaded") this.startBackfill();
  }

  /** Stops the embedder's worker threads; a backfill in flight stops with an error. */
  async close(): Promise<void> {
    await this.embedder?.close?.();
  }

  /** Re-embeds every memory lacking a vector of the active model, as a background job. */
  reembed(): ReembedJob | null {
    if (!this.embedder) return null;
    const total = this.vectors.model ? this.vectors.counts().pending : 0;
    const job: ReembedJob = {
      id: this.nextJobId++,
      state: "running",
      total,
      done: 0,
      error: null,
      started_at: new Date().toISOString(),
      finished_at: null,
    };
    this.jobs.push(job);
    this.startBackfill(job);
    return job;
  }

  job(id: number): ReembedJob | undefined {
    return this.jobs.find((j) => j.id === id);
  }

  /** Resolves once no backfill is running (tests and benchmarks wait on this). */
  async idle(): Promise<void> {
    while (this.backfill) await this.backfill;
  }

  private startBackfill(job?: ReembedJob): void {
    const run = async () => {
      try {
        const e = await this.ensureActive();
        for (;;) {
          const batch = this.vectors.missing(BACKFILL_BATCH);
          if (batch.length === 0) break;
          const vectors = await e.embed(batch.map((b) => b.content));
          this.onBatchStored(batch.map((b, i) => ({ id: b.id, userId: b.userId, vector: vectors[i]! })));
          if (job) job.done += batch.length;
        }
        if (job) Object.assign(job, { state: "done", finished_at: new Date().toISOString() });
      } catch (err) {
        if (job) Object.assign(job, { state: "failed", error: (err as Error).message, finished_at: new Date().toISOString() });
        this.log.warn({ err: (err as Error).message }, "re-embedding stopped");
      }
    };
    // One backfill at a time; a job started meanwhile is chained after the running one.
    const previous = this.backfill ?? Promise.resolve();
    const current: Promise<void> = previous.then(run).finally(() => {
      if (this.backfill === current) this.backfill = null;
    });
    this.backfill = current;
  }
}
