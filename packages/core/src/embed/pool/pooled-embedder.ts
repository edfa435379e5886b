import type { Worker } from "node:worker_threads";
import type { Embedder, EmbedderStatus } from "../embedder.js";
import { embedderId, type EmbedderConfig } from "../embedder-config.js";
import { EmbedderError } from "../errors.js";
import { startWorker } from "../../util/index.js";
import type { EmbedRequest, WorkerInit, WorkerMessage } from "./protocol.js";

export interface PoolOptions {
  /** Worker threads, each with its own model instance. */
  threads: number;
  /** Told when a worker dies and is replaced. */
  log?: { warn(obj: object, msg: string): void };
  /** The worker's module (the compiled .js; see util/worker-script.ts); tests wrap the real one. */
  worker?: URL;
}

/**
 * Texts one worker message carries at most when requests queue up: concurrent stores are
 * coalesced into shared model batches (32 windows per model call, the embedders' batch size).
 */
const COALESCE_TEXTS = 32;

interface Request {
  texts: string[];
  resolve(vectors: Float32Array[]): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  inFlight: { id: number; requests: Request[] } | null;
  /** Settles the slot's start: resolved on "loaded", rejected on a failed load or an exit before it. */
  started: { resolve(): void; reject(err: Error): void };
}

/**
 * Runs the configured embedder in a pool of worker threads, so that tokenizing and running
 * a model never block the event loop: a 100 KB memory that held every request of every
 * tenant for 34 s now waits only for its own vector (README, "Long memories").
 *
 * - Each worker loads its own instance; `load()` resolves once all have, and `status()`
 *   follows Embedder's contract ("loading" until then, "error" after a failed attempt,
 *   which the next call tries again).
 * - Requests queue in arrival order; a free worker takes the head request and, behind it,
 *   as many queued ones as fit in COALESCE_TEXTS, in one message.
 * - A worker that dies (a crash, an abort in native code, running out of memory) fails its
 *   in-flight requests with EmbedderError and is replaced; callers treat that like any other
 *   embedding failure (a store keeps its memory without a vector, which backfill adds later).
 * - Idle workers are unref'd, so an idle pool never keeps a process alive; `close()`
 *   terminates them and fails whatever is still waiting.
 *
 * All three embedder kinds run here. The OpenAI-compatible one is mostly waiting on the
 * network, but parsing a large answer (96 vectors of 3,072 floats is ~6 MB of JSON) is CPU
 * the event loop should not spend, and one path for all kinds keeps the behaviour the same.
 */
export class PooledEmbedder implements Embedder {
  readonly id: string;
  private readonly threads: number;
  private readonly script: URL;
  private slots: Slot[] = [];
  private queue: Request[] = [];
  private loading: Promise<void> | null = null;
  private state: EmbedderStatus = "loading";
  private dim: number | undefined;
  private nextRequestId = 1;
  private closed = false;

  constructor(
    private readonly config: EmbedderConfig,
    private readonly options: PoolOptions,
  ) {
    this.id = embedderId(config);
    this.threads = Math.max(1, Math.floor(options.threads));
    this.script = options.worker ?? new URL("./embed-worker.js", import.meta.url);
  }

  get dimension(): number {
    if (this.dim === undefined) throw new EmbedderError(`${this.id}: the dimension is known only once load() has resolved`);
    return this.dim;
  }

  status(): EmbedderStatus {
    return this.state;
  }

  load(): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    if (this.state === "loaded") return Promise.resolve();
    this.loading ??= this.startAll().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return Promise.resolve([]);
    // Once loaded, the texts reach a worker in this very call, not a microtask later: a search
    // hands over its query and then runs BM25 on this thread, and the two must overlap.
    if (this.state === "loaded" && !this.closed) return this.enqueue(texts);
    return this.load().then(() => {
      // close() may have run while load() resolved; a request queued now would wait for no worker.
      if (this.closed) throw this.closedError();
      return this.enqueue(texts);
    });
  }

  private enqueue(texts: string[]): Promise<Float32Array[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ texts, resolve, reject });
      this.dispatch();
    });
  }

  /** Terminates the workers; waiting and in-flight requests fail with EmbedderError. */
  async close(): Promise<void> {
    this.closed = true;
    const err = this.closedError();
    for (const r of this.queue.splice(0)) r.reject(err);
    const slots = this.slots.splice(0);
    for (const s of slots) s.inFlight?.requests.forEach((r) => r.reject(err));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private closedError(): EmbedderError {
    return new EmbedderError(`${this.id}: the embedder was closed`);
  }

  private async startAll(): Promise<void> {
    this.state = "loading";
    try {
      await Promise.all(Array.from({ length: this.threads }, () => this.spawn()));
      this.state = "loaded";
      this.dispatch();
    } catch (err) {
      this.state = "error";
      await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
      throw err;
    }
  }

  /** Starts one worker; resolves once its model has loaded. */
  private spawn(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const worker = startWorker(this.script, { workerData: { config: this.config } satisfies WorkerInit });
      const slot: Slot = { worker, ready: false, inFlight: null, started: { resolve, reject } };
      this.slots.push(slot);
      let crash: Error | undefined;
      worker.on("message", (message: WorkerMessage) => this.onMessage(slot, message));
      worker.on("error", (err) => {
        crash = err;
      });
      worker.on("exit", (code) => this.onExit(slot, code, crash));
    });
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    switch (message.type) {
      case "loaded":
        if (this.dim !== undefined && this.dim !== message.dimension) {
          slot.started.reject(new EmbedderError(`${this.id}: a worker loaded a ${message.dimension}-dimension model; the others have ${this.dim}`));
          void slot.worker.terminate();
          return;
        }
        this.dim = message.dimension;
        slot.ready = true;
        slot.worker.unref();
        slot.started.resolve();
        this.dispatch();
        return;
      case "load-failed":
        slot.started.reject(new EmbedderError(message.error));
        void slot.worker.terminate();
        return;
      case "embedded": {
        const requests = slot.inFlight?.id === message.id ? slot.inFlight.requests : [];
        slot.inFlight = null;
        slot.worker.unref();
        requests.forEach((r, i) => {
          const result = message.results[i];
          if (result && "vectors" in result) r.resolve(result.vectors);
          else r.reject(new EmbedderError(result?.error ?? `${this.id}: the worker answered without this request's vectors`));
        });
        this.dispatch();
        return;
      }
    }
  }

  private onExit(slot: Slot, code: number, crash: Error | undefined): void {
    this.slots = this.slots.filter((s) => s !== slot);
    const why = crash ? `${crash.message}` : `exit code ${code}`;
    const err = new EmbedderError(`${this.id}: an embedding worker stopped (${why})`);
    slot.started.reject(err);
    slot.inFlight?.requests.forEach((r) => r.reject(err));
    if (this.closed || !slot.ready || this.state !== "loaded") return;
    this.options.log?.warn({ err: why, model: this.id, failed_requests: slot.inFlight?.requests.length ?? 0 }, "embedding worker stopped; starting a new one");
    this.spawn().catch((failure: unknown) => this.replacementFailed(failure as Error));
  }

  /** With no worker left, the pool is down: waiting requests fail and the next call loads it again. */
  private replacementFailed(err: Error): void {
    if (this.closed || this.slots.length > 0) return;
    this.state = "error";
    for (const r of this.queue.splice(0)) r.reject(err);
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.ready || slot.inFlight) continue;
      const requests = [this.queue.shift()!];
      let count = requests[0]!.texts.length;
      while (this.queue.length > 0 && count + this.queue[0]!.texts.length <= COALESCE_TEXTS) {
        const next = this.queue.shift()!;
        count += next.texts.length;
        requests.push(next);
      }
      slot.inFlight = { id: this.nextRequestId++, requests };
      slot.worker.ref();
      slot.worker.postMessage({ id: slot.inFlight.id, groups: requests.map((r) => r.texts) } satisfies EmbedRequest);
    }
  }
}
