import type { CoreContext } from "../context.js";
import type { JobRow } from "../db/index.js";
import { busy, conflict, notFound } from "../errors.js";
import { backoffMs, DEFAULT_JOBS_CONFIG, type JobsConfig } from "./config.js";
import { JobStore, type JobListFilter, type JobScope, type JobStats, type JobStatus } from "./store.js";

export interface JobContext {
  id: number;
  userId: number | null;
  type: string;
  payload: unknown;
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
}

/** The return value is stored as the job's result (JSON). Throwing schedules a retry or dead-letters the job. */
export type JobHandler = (job: JobContext) => Promise<unknown> | unknown;

export interface JobLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

interface Registration {
  handler: JobHandler;
  concurrency: number;
  maxAttempts: number | undefined;
}

interface Schedule {
  type: string;
  intervalMs: number;
  payload: () => Record<string, unknown>;
  dedupeKey: string;
  /** Epoch ms of the next enqueue; computed from the table on the first tick after start. */
  nextDue: number | undefined;
}

/** A finished run: the result as JSON, or the error message. */
type Outcome = { ok: true; result: string } | { ok: false; error: string };

const silentLog: JobLog = { info: () => {}, warn: () => {} };

/** Retry-After for a refused enqueue: 30 s runs 600-1,200 auto_link jobs at the measured 20-40 a second. */
const BACKLOG_RETRY_AFTER_SECS = 30;

/**
 * A durable queue in the jobs table and the worker pool that drains it. Handlers run on the
 * main thread (better-sqlite3 is synchronous), one macrotask each, so HTTP requests interleave.
 * Fairness: a global limit and a per-type limit, so a flood of one type cannot take every slot;
 * among the free types, tenants take turns (round-robin, system jobs as a lane of their own)
 * and each tenant's oldest due job runs first; and a cap on each tenant's pending jobs.
 */
export class JobQueue {
  readonly store: JobStore;
  private readonly handlers = new Map<string, Registration>();
  private readonly runningByType = new Map<string, number>();
  /** Running jobs by id; each promise settles after its slot is freed. */
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly schedules: Schedule[] = [];
  private active = 0;
  private started = false;
  private recovered = false;
  private timer: NodeJS.Timeout | undefined;
  private wakeQueued = false;

  constructor(
    private readonly ctx: CoreContext,
    private readonly config: JobsConfig = DEFAULT_JOBS_CONFIG,
    private readonly log: JobLog = silentLog,
  ) {
    this.store = new JobStore(ctx.db);
  }

  register(type: string, handler: JobHandler, opts: { concurrency?: number; maxAttempts?: number } = {}): void {
    if (this.handlers.has(type)) throw new Error(`job type ${type} is already registered`);
    this.handlers.set(type, {
      handler,
      concurrency: Math.max(1, opts.concurrency ?? this.config.typeConcurrency),
      maxAttempts: opts.maxAttempts,
    });
    this.wake();
  }

  /**
   * Synchronous SQL insert: call it inside a better-sqlite3 transaction to enqueue atomically
   * with the write that causes the job. With a dedupeKey, an owner's pending or running job of
   * the same key is returned instead of adding another (keys are per owner, so per tenant).
   * A tenant's job past `maxPendingPerTenant` pending is refused (`busy`), so the write that
   * enqueues it rolls back; deduplicated jobs (one per key) and system jobs are never refused.
   */
  enqueue(
    type: string,
    payload: Record<string, unknown>,
    opts: { userId?: number | null; runAt?: Date; maxAttempts?: number; dedupeKey?: string } = {},
  ): number {
    const userId = opts.userId ?? null;
    if (opts.dedupeKey !== undefined) {
      const existing = this.store.activeByKey(opts.dedupeKey, userId);
      if (existing !== undefined) return existing;
    } else if (userId !== null && this.store.pendingCount(userId) >= this.config.maxPendingPerTenant) {
      throw busy(
        `${this.config.maxPendingPerTenant} background jobs of this user are already waiting to run ` +
          `(ENGRAM_JOB_MAX_PENDING_PER_TENANT); the write was refused and changed nothing: retry once they have run`,
        BACKLOG_RETRY_AFTER_SECS,
      );
    }
    const now = this.ctx.clock.now();
    const id = this.store.insert({
      userId,
      type,
      payload: JSON.stringify(payload),
      maxAttempts: Math.max(1, opts.maxAttempts ?? this.handlers.get(type)?.maxAttempts ?? this.config.maxAttempts),
      runAt: (opts.runAt ?? now).toISOString(),
      dedupeKey: opts.dedupeKey ?? null,
      now: now.toISOString(),
    });
    this.wake();
    return id;
  }

  /**
   * Runs `enqueue(type, payload())` every intervalMs while started, skipping a round while the
   * previous one is still pending or running. The rhythm survives restarts: the next run is due
   * one interval after the last enqueue recorded in the table (at once when there is none).
   */
  every(type: string, intervalMs: number, payload: () => Record<string, unknown> = () => ({}), opts: { dedupeKey?: string } = {}): void {
    if (!(intervalMs > 0)) throw new Error(`every(${type}): intervalMs must be positive`);
    this.schedules.push({ type, intervalMs, payload, dedupeKey: opts.dedupeKey ?? `every:${type}`, nextDue: undefined });
    this.wake();
  }

  /** Requeues jobs a crash left running (on the first start only: later, running rows are ours), then polls and runs. */
  start(): void {
    if (this.started) return;
    if (!this.recovered) {
      const recovered = this.store.recoverInterrupted(this.ctx.clock.now().toISOString());
      if (recovered.requeued || recovered.failed) this.log.warn(recovered, "jobs interrupted by the last shutdown: requeued or dead-lettered");
      this.recovered = true;
    }
    this.started = true;
    this.timer = setInterval(() => this.tick(), this.config.pollMs);
    this.timer.unref();
    this.tick();
  }

  /** Stops taking jobs and waits for the running ones to finish. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
  }

  /**
   * Resolves when no job is running and no due job of a registered type is pending (tests,
   * benchmarks). On a stopped queue it only waits for the jobs still running.
   */
  async idle(): Promise<void> {
    for (;;) {
      this.tick();
      if (this.inFlight.size === 0) return;
      await Promise.race(this.inFlight.values());
    }
  }

  // --- inspection and operator actions (the /jobs routes) ---

  get(scope: JobScope, id: number): JobRow {
    const row = this.store.get(scope, id);
    if (!row) throw notFound("job");
    return row;
  }

  list(scope: JobScope, filter: JobListFilter): JobRow[] {
    return this.store.list(scope, filter);
  }

  stats(scope: JobScope): JobStats {
    return this.store.stats(scope);
  }

  /** One failed job back to pending. Another tenant's id is missing (404); a job that has not failed is a 409. */
  retryOne(scope: JobScope, id: number): JobRow {
    const row = this.get(scope, id);
    if (row.status !== "failed") throw conflict(`job ${id} is ${row.status}; only failed jobs can be retried`);
    this.store.retry(scope, { id }, this.ctx.clock.now().toISOString());
    this.wake();
    return this.get(scope, id);
  }

  retryFailed(scope: JobScope, type?: string): number[] {
    const ids = this.store.retry(scope, { type }, this.ctx.clock.now().toISOString());
    if (ids.length) this.wake();
    return ids;
  }

  purge(scope: JobScope, f: { statuses: readonly Exclude<JobStatus, "running">[]; before?: Date | undefined; type?: string | undefined }): number {
    return this.store.purge(scope, { statuses: f.statuses, before: f.before?.toISOString(), type: f.type });
  }

  cleanup(scope: JobScope, f: { before: Date; type?: string | undefined }): number {
    return this.store.cleanup(scope, { before: f.before.toISOString(), type: f.type });
  }

  // --- the worker pool ---

  /** A tick soon, once per burst: enqueues inside a transaction run after it commits. */
  private wake(): void {
    if (!this.started || this.wakeQueued) return;
    this.wakeQueued = true;
    setImmediate(() => {
      this.wakeQueued = false;
      this.tick();
    });
  }

  private tick(): void {
    if (!this.started) return;
    try {
      this.enqueueDueSchedules();
      while (this.active < this.config.concurrency) {
        const free = [...this.handlers].filter(([t, r]) => (this.runningByType.get(t) ?? 0) < r.concurrency).map(([t]) => t);
        if (free.length === 0) return;
        const job = this.store.claim(free, this.ctx.clock.now().toISOString());
        if (!job) return;
        this.launch(job);
      }
    } catch (err) {
      // The database closed under a timer (shutdown race) or is busy: the next tick tries again.
      this.log.warn({ err }, "job queue tick failed");
    }
  }

  private enqueueDueSchedules(): void {
    const now = this.ctx.clock.now().getTime();
    for (const s of this.schedules) {
      if (s.nextDue === undefined) {
        const last = this.store.lastEnqueuedAt(s.dedupeKey, null);
        s.nextDue = last ? Date.parse(last) + s.intervalMs : now;
      }
      if (now < s.nextDue) continue;
      s.nextDue = now + s.intervalMs;
      this.enqueue(s.type, s.payload(), { dedupeKey: s.dedupeKey });
    }
  }

  private launch(job: JobRow): void {
    const reg = this.handlers.get(job.type)!;
    this.active++;
    this.runningByType.set(job.type, (this.runningByType.get(job.type) ?? 0) + 1);
    const run = (async () => {
      try {
        // Each job starts in its own macrotask, so pending I/O (requests) gets a turn between jobs.
        await new Promise((resolve) => setImmediate(resolve));
        let outcome: Outcome;
        try {
          const payload: unknown = JSON.parse(job.payload);
          const result = await reg.handler({ id: job.id, userId: job.userId, type: job.type, payload, attempt: job.attempts });
          // Serialised here, so a result JSON cannot express fails the job instead of wedging it.
          outcome = { ok: true, result: JSON.stringify(result ?? null) };
        } catch (err) {
          outcome = { ok: false, error: err instanceof Error ? err.message || err.name : String(err) };
        }
        this.finish(job, outcome);
      } catch (err) {
        // Closed database (a crash-like stop): the row stays running and start() requeues it.
        this.log.warn({ err, jobId: job.id }, "could not record a job's outcome");
      } finally {
        // Bookkeeping before the promise settles, so whoever awaits it sees the slot free.
        this.inFlight.delete(job.id);
        this.active--;
        this.runningByType.set(job.type, this.runningByType.get(job.type)! - 1);
        this.wake();
      }
    })();
    this.inFlight.set(job.id, run);
  }

  private finish(job: JobRow, outcome: Outcome): void {
    const now = this.ctx.clock.now();
    if (outcome.ok) {
      this.store.complete(job, outcome.result, now.toISOString());
      return;
    }
    if (job.attempts >= job.maxAttempts) {
      this.store.deadLetter(job, outcome.error, now.toISOString());
      this.log.warn({ jobId: job.id, type: job.type, attempts: job.attempts, error: outcome.error }, "job failed for good");
      return;
    }
    const runAt = new Date(now.getTime() + backoffMs(job.attempts, this.config));
    this.store.retryLater(job, outcome.error, runAt.toISOString(), now.toISOString());
    this.log.info({ jobId: job.id, type: job.type, attempt: job.attempts, retryAt: runAt.toISOString(), error: outcome.error }, "job failed; will retry");
  }
}
