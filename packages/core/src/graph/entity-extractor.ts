import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { unavailable } from "../errors.js";
import { extractEntities, type ExtractedEntity, type KnownEntity } from "./entity-rules.js";

const WORKER = new URL("./entity-worker.js", import.meta.url);
/**
 * The compiled worker sits next to the compiled module. Run from the TypeScript sources (as
 * the core tests are), there is none, and extraction runs inline on the calling thread,
 * without a time limit (as graph analysis does, offload.ts).
 */
const workerAvailable = WORKER.protocol === "file:" && fs.existsSync(fileURLToPath(WORKER));

interface Task {
  texts: readonly string[];
  known: readonly KnownEntity[];
  resolve(results: ExtractedEntity[][]): void;
  reject(err: Error): void;
  timer?: NodeJS.Timeout;
}

/**
 * Entity extraction on a worker thread with a time limit. The auto_link job and POST
 * /entities extract from memories of up to 100 KB; the scanners are linear and read at most
 * 16 KB of each (entity-rules.ts), but on the main thread even bounded work for a batch of
 * memories would hold up every other request.
 *
 * One long-lived worker (starting one costs tens of milliseconds, too much per stored memory)
 * takes one task at a time; the others wait in order. Each task gets `timeoutMs` from when it
 * is handed to the worker. Past it the worker is terminated (the only way to stop a running
 * thread), the task fails with an `unavailable` error saying so, and the next task starts a
 * fresh worker. What a failure means to the caller: the auto_link job records the error and is
 * retried with backoff like any failed job; POST /entities answers 503 and changes nothing.
 */
export class EntityExtractor {
  private worker: Worker | null = null;
  private running: Task | null = null;
  private readonly queue: Task[] = [];

  constructor(
    private readonly timeoutMs: number,
    /** The worker script; null runs inline (the TypeScript sources have no compiled worker). */
    private readonly workerUrl: URL | null = workerAvailable ? WORKER : null,
  ) {}

  /** The entities of each text, in order; `known` are the tenant's declared entities. */
  extract(texts: readonly string[], known: readonly KnownEntity[]): Promise<ExtractedEntity[][]> {
    if (!this.workerUrl) return Promise.resolve(texts.map((t) => extractEntities(t, known)));
    return new Promise((resolve, reject) => {
      this.queue.push({ texts, known, resolve, reject });
      this.next();
    });
  }

  /** Stops the worker; tasks still waiting fail. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    for (const task of this.queue.splice(0)) task.reject(new Error("entity extraction stopped: the server is shutting down"));
    this.settle((task) => task.reject(new Error("entity extraction stopped: the server is shutting down")));
    await worker?.terminate();
  }

  private next(): void {
    if (this.running || this.queue.length === 0) return;
    const task = this.queue.shift()!;
    this.running = task;
    const worker = (this.worker ??= this.spawn(this.workerUrl!));
    task.timer = setTimeout(() => {
      this.worker = null;
      void worker.terminate();
      this.settle((t) => t.reject(unavailable(`entity extraction did not finish within ${this.timeoutMs} ms (ENGRAM_ENTITY_TIMEOUT_MS); its worker was stopped`)));
    }, this.timeoutMs);
    worker.postMessage({ texts: task.texts, known: task.known });
  }

  private spawn(url: URL): Worker {
    const worker = new Worker(url);
    // An idle worker must not keep the process alive; close() ends it on shutdown.
    worker.unref();
    const current = () => this.worker === worker;
    worker.on("message", (results: ExtractedEntity[][]) => current() && this.settle((t) => t.resolve(results)));
    worker.on("error", (err) => {
      if (!current()) return;
      this.worker = null;
      this.settle((t) => t.reject(err));
    });
    worker.on("exit", (code) => {
      if (!current()) return;
      this.worker = null;
      this.settle((t) => t.reject(new Error(`entity extraction worker exited with code ${code}`)));
    });
    return worker;
  }

  /** Ends the running task and starts the next one. */
  private settle(end: (task: Task) => void): void {
    const task = this.running;
    if (!task) return;
    clearTimeout(task.timer);
    this.running = null;
    end(task);
    this.next();
  }
}
