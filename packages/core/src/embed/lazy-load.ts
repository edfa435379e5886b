import type { EmbedderStatus } from "./embedder.js";

/**
 * Runs an async load at most once at a time: concurrent callers share the attempt in
 * flight, and a success is kept for good. A failure is not cached, so the next call
 * tries again: a remote endpoint that is down at boot must not disable embeddings for
 * the life of the process.
 */
export class LazyLoad<T> {
  private value: T | undefined;
  private pending: Promise<T> | undefined;
  private failed = false;

  constructor(private readonly loader: () => Promise<T>) {}

  get(): Promise<T> {
    if (this.value !== undefined) return Promise.resolve(this.value);
    this.pending ??= this.loader()
      .then(
        (value) => {
          this.value = value;
          this.failed = false;
          return value;
        },
        (err: unknown) => {
          this.failed = true;
          throw err;
        },
      )
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  /** The loaded value, or undefined while none has loaded. */
  peek(): T | undefined {
    return this.value;
  }

  status(): EmbedderStatus {
    if (this.value !== undefined) return "loaded";
    return this.failed && this.pending === undefined ? "error" : "loading";
  }
}
