import { EngramApiError, type EngramClient, type StoreRequest, type StoreResponse } from "@engram/client";
import type { Log } from "./log.js";
import type { WriteBuffer } from "./write-buffer.js";

export type StoreOutcome =
  | { kind: "stored"; status: 200 | 201 | 202; body: StoreResponse }
  | { kind: "buffered"; seq: number; position: number };

export interface FlushReport {
  flushed: number;
  rejected: number;
  pending: number;
  /** Why the flush stopped early; absent when the buffer drained. */
  error?: string;
}

export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}

export interface WriterOptions {
  client: EngramClient;
  buffer: WriteBuffer;
  log: Log;
  retry: RetryPolicy;
  /** Called after every accepted write (stored or buffered) and every replayed one: cached reads may now be stale. */
  onWrite: () => void;
}

/** No answer, or a proxy/server saying it cannot serve right now: the write is worth keeping for later. */
export function isUnavailable(err: unknown): err is EngramApiError {
  return err instanceof EngramApiError && isUnavailableStatus(err.status);
}

/** 0 is the client's "no answer at all"; the others are a gateway or the server saying "not now". */
export function isUnavailableStatus(status: number): boolean {
  return status === 0 || status === 502 || status === 503 || status === 504;
}

/**
 * A refusal that retrying cannot change (bad input, missing space, too large). Auth failures,
 * rate limits and 5xx are not: a rotated key or a recovered server will take the same write.
 */
function isPermanentRejection(err: unknown): err is EngramApiError {
  return err instanceof EngramApiError && err.status >= 400 && err.status < 500 && ![401, 403, 408, 429].includes(err.status);
}

/**
 * Every store goes through here: straight to the server when it answers, into the durable buffer
 * when it does not. While anything is buffered, new writes queue behind it, so the server sees
 * writes in the order the sidecar acknowledged them. All buffer work runs one call at a time.
 */
export class Writer {
  private chain: Promise<unknown> = Promise.resolve();
  /** Set while the server is known to be unreachable; stores then buffer without waiting on a dead connection. */
  private lastError: string | null = null;
  private backoffMs: number;
  private timer: NodeJS.Timeout | null = null;
  private nextRetryAt: number | null = null;
  private closed = false;

  constructor(private readonly opts: WriterOptions) {
    this.backoffMs = opts.retry.initialMs;
    if (opts.buffer.size > 0) this.scheduleRetry();
  }

  store(request: StoreRequest): Promise<StoreOutcome> {
    return this.exclusive(async () => {
      if (this.opts.buffer.size > 0 && this.lastError === null) await this.drain();
      if (this.opts.buffer.size === 0 && this.lastError === null) {
        try {
          const body = await this.opts.client.store(request);
          this.opts.onWrite();
          // A sidecar chained to another sidecar passes that one's buffered answer on as it is.
          return { kind: "stored", status: "buffered" in body ? 202 : body.stored ? 201 : 200, body };
        } catch (err) {
          // Bad input and auth failures go back to the caller as they are: never buffered.
          if (!isUnavailable(err)) throw err;
          this.markFailed(err);
        }
      }
      const { seq, position } = await this.opts.buffer.append(request);
      this.opts.onWrite();
      this.scheduleRetry();
      return { kind: "buffered", seq, position };
    });
  }

  /** Replays the buffer now, whatever the backoff says. */
  flush(): Promise<FlushReport> {
    return this.exclusive(() => this.drain());
  }

  status() {
    return {
      pending: this.opts.buffer.size,
      rejected: this.opts.buffer.rejected,
      last_error: this.lastError,
      next_retry_in_ms: this.nextRetryAt === null ? null : Math.max(0, this.nextRetryAt - Date.now()),
    };
  }

  /** Waits for the write or flush in progress; the buffer on disk needs nothing else to survive. */
  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    await this.chain;
  }

  /** In order, head first; an entry leaves the buffer only after the server answered for it. */
  private async drain(): Promise<FlushReport> {
    const { buffer, client } = this.opts;
    let flushed = 0;
    let rejected = 0;
    for (let entry = buffer.head; entry; entry = buffer.head) {
      try {
        await client.store(entry.request);
      } catch (err) {
        if (isPermanentRejection(err)) {
          this.opts.log("warn", "server refused a buffered write; moved to rejected.jsonl", { seq: entry.seq, status: err.status, error: err.message });
          await buffer.reject(entry.seq, err.status, err.message);
          rejected++;
          continue;
        }
        if (!(err instanceof EngramApiError)) throw err;
        this.markFailed(err);
        this.scheduleRetry();
        return { flushed, rejected, pending: buffer.size, error: err.message };
      }
      await buffer.ack(entry.seq);
      flushed++;
    }
    if (flushed > 0) {
      this.opts.onWrite();
      this.opts.log("info", "flushed buffered writes", { flushed, rejected });
    }
    this.lastError = null;
    this.backoffMs = this.opts.retry.initialMs;
    this.clearTimer();
    return { flushed, rejected, pending: 0 };
  }

  private markFailed(err: EngramApiError): void {
    if (this.lastError === null) this.opts.log("warn", "engram-server unavailable; buffering writes", { error: err.message });
    this.lastError = err.message;
  }

  /** Exponential backoff while anything is buffered; a successful drain resets it. */
  private scheduleRetry(): void {
    if (this.timer || this.closed || this.opts.buffer.size === 0) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.retry.maxMs);
    this.nextRetryAt = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.nextRetryAt = null;
      this.flush().catch((err: unknown) => {
        this.opts.log("error", "flush failed", { error: err instanceof Error ? err.message : String(err) });
        this.scheduleRetry();
      });
    }, delay);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.nextRetryAt = null;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
