import type { Statement } from "better-sqlite3";
import type { Db } from "../db/connection.js";
import type { JobRow } from "../db/schema.js";
import { unsyncedCommits } from "../db/unsynced-commits.js";

export type JobStatus = JobRow["status"];
export const JOB_STATUSES = ["pending", "running", "completed", "failed"] as const satisfies readonly JobStatus[];

/** Whose jobs an operation sees: one tenant's, or every job (admin), system jobs included. */
export type JobScope = { kind: "user"; userId: number } | { kind: "all" };

export interface JobListFilter {
  status?: JobStatus | undefined;
  type?: string | undefined;
  limit: number;
  offset: number;
}

export interface JobStats {
  pending: number;
  running: number;
  completed: number;
  failed: number;
  total: number;
  by_type: Record<string, Record<JobStatus, number>>;
}

/** Raw row as SQLite returns it (snake_case); mapped to JobRow on the way out. */
interface SqlJob {
  id: number;
  user_id: number | null;
  type: string;
  payload: string;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  run_at: string;
  dedupe_key: string | null;
  error: string | null;
  result: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  updated_at: string;
}

const toRow = (r: SqlJob): JobRow => ({
  id: r.id,
  userId: r.user_id,
  type: r.type,
  payload: r.payload,
  status: r.status,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  runAt: r.run_at,
  dedupeKey: r.dedupe_key,
  error: r.error,
  result: r.result,
  createdAt: r.created_at,
  startedAt: r.started_at,
  completedAt: r.completed_at,
  updatedAt: r.updated_at,
});

/** Scope as SQL: one tenant (`user_id = ?`) or everything (`1 = 1`, parameter ignored). */
const scopeSql = (scope: JobScope) =>
  scope.kind === "user" ? { sql: "user_id = ?", params: [scope.userId] } : { sql: "1 = 1", params: [] as number[] };

const ERROR_MAX_CHARS = 4000;

/**
 * The lane whose last turn is oldest among those with a due job of a free type (@types, a JSON
 * array), and that lane's oldest due job: lanes in turn order (job_lanes_waiting), per lane one
 * seek per free type into jobs_lane_due; the first lane with a due job ends the scan. The cost
 * grows with lanes and types, never with the jobs queued (0.07 ms a claim with 100k pending
 * over 100 tenants). `+l.lane` drops the column's affinity, without which SQLite does not
 * match the comparison to the expression index and walks every pending job instead.
 */
export const PICK_DUE_JOB = `SELECT l.lane,
   (SELECT j.id FROM json_each(@types) f JOIN jobs j ON j.id = (
       SELECT p.id FROM jobs p
        WHERE p.status = 'pending' AND coalesce(p.user_id, 0) = +l.lane AND p.type = f.value AND p.run_at <= @now
        ORDER BY p.run_at, p.id LIMIT 1)
     ORDER BY j.run_at, j.id LIMIT 1) AS job_id
 FROM job_lanes l WHERE l.pending > 0 AND job_id IS NOT NULL
 ORDER BY l.last_turn, l.lane LIMIT 1`;

/**
 * The SQL of the jobs table. Raw statements rather than drizzle because enqueue sits on the
 * store path and the claim is one UPDATE … RETURNING. Statements are prepared once, a variant
 * per scope where the scope changes them; listing, retry and purge combine optional filters
 * and build their statement per call.
 */
export class JobStore {
  private readonly stmts: Record<string, Statement>;
  /** Statements that differ by scope: [one tenant's (user_id = ?), every job (1 = 1)]. */
  private readonly scoped: Record<"get" | "stats" | "cleanup", [Statement, Statement]>;

  constructor(private readonly db: Db) {
    const s = (sql: string) => db.sqlite.prepare(sql);
    const both = (make: (scope: string) => string): [Statement, Statement] => [s(make("user_id = ?")), s(make("1 = 1"))];
    this.scoped = {
      get: both((scope) => `SELECT * FROM jobs WHERE id = ? AND ${scope}`),
      stats: both((scope) => `SELECT type, status, count(*) AS n FROM jobs WHERE ${scope} GROUP BY type, status ORDER BY type`),
      cleanup: both((scope) => `DELETE FROM jobs WHERE status = 'completed' AND completed_at < ? AND (? IS NULL OR type = ?) AND ${scope}`),
    };
    this.stmts = {
      insert: s(
        `INSERT INTO jobs (user_id, type, payload, status, attempts, max_attempts, run_at, dedupe_key, created_at, updated_at)
         VALUES (?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?)`,
      ),
      activeByKey: s(
        `SELECT id FROM jobs WHERE dedupe_key = ? AND user_id IS ? AND status IN ('pending','running') ORDER BY id LIMIT 1`,
      ),
      lastByKey: s(`SELECT max(created_at) AS at FROM jobs WHERE dedupe_key = ? AND user_id IS ?`),
      pick: s(PICK_DUE_JOB),
      markRunning: s(
        `UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = @now, updated_at = @now
         WHERE id = @id AND status = 'pending' RETURNING *`,
      ),
      takeTurn: s(`UPDATE job_lanes SET last_turn = (SELECT max(last_turn) FROM job_lanes) + 1 WHERE lane = ?`),
      pendingInLane: s(`SELECT pending FROM job_lanes WHERE lane = ?`),
      complete: s(
        `UPDATE jobs SET status = 'completed', result = @result, error = NULL, completed_at = @now, updated_at = @now
         WHERE id = @id AND status = 'running' AND attempts = @attempts`,
      ),
      retryLater: s(
        `UPDATE jobs SET status = 'pending', error = @error, run_at = @runAt, started_at = NULL, updated_at = @now
         WHERE id = @id AND status = 'running' AND attempts = @attempts`,
      ),
      deadLetter: s(
        `UPDATE jobs SET status = 'failed', error = @error, completed_at = @now, updated_at = @now
         WHERE id = @id AND status = 'running' AND attempts = @attempts`,
      ),
      recoverRequeue: s(
        `UPDATE jobs SET status = 'pending', run_at = @now, started_at = NULL, updated_at = @now,
           error = 'interrupted: the server stopped while this job ran'
         WHERE status = 'running' AND attempts < max_attempts`,
      ),
      recoverDead: s(
        `UPDATE jobs SET status = 'failed', completed_at = @now, updated_at = @now,
           error = 'interrupted: the server stopped while this job ran its last attempt'
         WHERE status = 'running' AND attempts >= max_attempts`,
      ),
    };
  }

  insert(job: {
    userId: number | null;
    type: string;
    payload: string;
    maxAttempts: number;
    runAt: string;
    dedupeKey: string | null;
    now: string;
  }): number {
    const info = this.stmts.insert!.run(job.userId, job.type, job.payload, job.maxAttempts, job.runAt, job.dedupeKey, job.now, job.now);
    return Number(info.lastInsertRowid);
  }

  /** The pending or running job holding this dedupe key for this owner, if any. */
  activeByKey(key: string, userId: number | null): number | undefined {
    return (this.stmts.activeByKey!.get(key, userId) as { id: number } | undefined)?.id;
  }

  /** When a job with this dedupe key was last enqueued (recurring work resumes its rhythm after a restart). */
  lastEnqueuedAt(key: string, userId: number | null): string | null {
    return (this.stmts.lastByKey!.get(key, userId) as { at: string | null }).at;
  }

  /**
   * Claims a due job of one of `types`, round-robin across tenants (system jobs are a lane of
   * their own): the lane that was served least recently goes first, and within it the oldest
   * due job. Pick, mark and turn are one transaction: no window between pick and mark.
   */
  claim(types: readonly string[], now: string): JobRow | undefined {
    return unsyncedCommits(this.db, () =>
      this.db.sqlite.transaction(() => {
        const pick = this.stmts.pick!.get({ now, types: JSON.stringify(types) }) as { lane: number; job_id: number } | undefined;
        if (!pick) return undefined;
        const row = this.stmts.markRunning!.get({ id: pick.job_id, now }) as SqlJob;
        this.stmts.takeTurn!.run(pick.lane);
        return toRow(row);
      }).immediate(),
    );
  }

  /** Jobs of this tenant (null: system jobs) waiting to run. */
  pendingCount(userId: number | null): number {
    return (this.stmts.pendingInLane!.get(userId ?? 0) as { pending: number } | undefined)?.pending ?? 0;
  }

  /** Each finisher is fenced on (running, attempts): a claim it no longer holds is left alone. */
  complete(job: JobRow, result: string, now: string): boolean {
    return unsyncedCommits(this.db, () => this.stmts.complete!.run({ result, id: job.id, attempts: job.attempts, now }).changes > 0);
  }

  retryLater(job: JobRow, error: string, runAt: string, now: string): boolean {
    const params = { error: error.slice(0, ERROR_MAX_CHARS), runAt, id: job.id, attempts: job.attempts, now };
    return unsyncedCommits(this.db, () => this.stmts.retryLater!.run(params).changes > 0);
  }

  deadLetter(job: JobRow, error: string, now: string): boolean {
    const params = { error: error.slice(0, ERROR_MAX_CHARS), id: job.id, attempts: job.attempts, now };
    return unsyncedCommits(this.db, () => this.stmts.deadLetter!.run(params).changes > 0);
  }

  /**
   * At start-up no job can be running, so a `running` row was cut off by a crash. It runs
   * again; the interrupted run counts as an attempt, so a job that kills the process every
   * time ends in the dead-letter state instead of crashing the server forever.
   */
  recoverInterrupted(now: string): { requeued: number; failed: number } {
    return this.db.sqlite.transaction(() => ({
      failed: this.stmts.recoverDead!.run({ now }).changes,
      requeued: this.stmts.recoverRequeue!.run({ now }).changes,
    }))();
  }

  /** The statement of `scope` with its parameter. */
  private forScope(which: "get" | "stats" | "cleanup", scope: JobScope) {
    const [own, all] = this.scoped[which];
    return scope.kind === "user" ? { stmt: own, params: [scope.userId] } : { stmt: all, params: [] as number[] };
  }

  get(scope: JobScope, id: number): JobRow | undefined {
    const { stmt, params } = this.forScope("get", scope);
    const row = stmt.get(id, ...params) as SqlJob | undefined;
    return row && toRow(row);
  }

  /** Pending jobs in the order they will run; every other listing newest first. */
  list(scope: JobScope, f: JobListFilter): JobRow[] {
    const sc = scopeSql(scope);
    const conds = [sc.sql];
    const params: (string | number)[] = [...sc.params];
    if (f.status) {
      conds.push("status = ?");
      params.push(f.status);
    }
    if (f.type) {
      conds.push("type = ?");
      params.push(f.type);
    }
    const order = f.status === "pending" ? "run_at ASC, id ASC" : "id DESC";
    const rows = this.db.sqlite
      .prepare(`SELECT * FROM jobs WHERE ${conds.join(" AND ")} ORDER BY ${order} LIMIT ? OFFSET ?`)
      .all(...params, f.limit, f.offset) as SqlJob[];
    return rows.map(toRow);
  }

  stats(scope: JobScope): JobStats {
    const { stmt, params } = this.forScope("stats", scope);
    const rows = stmt.all(...params) as { type: string; status: JobStatus; n: number }[];
    const stats: JobStats = { pending: 0, running: 0, completed: 0, failed: 0, total: 0, by_type: {} };
    for (const r of rows) {
      stats[r.status] += r.n;
      stats.total += r.n;
      const t = (stats.by_type[r.type] ??= { pending: 0, running: 0, completed: 0, failed: 0 });
      t[r.status] += r.n;
    }
    return stats;
  }

  /** Failed jobs back to pending, due now, with a fresh set of attempts; the last error stays for reference. */
  retry(scope: JobScope, opts: { id?: number | undefined; type?: string | undefined }, now: string): number[] {
    const sc = scopeSql(scope);
    const conds = ["status = 'failed'", sc.sql];
    const params: (string | number)[] = [...sc.params];
    if (opts.id !== undefined) {
      conds.push("id = ?");
      params.push(opts.id);
    }
    if (opts.type) {
      conds.push("type = ?");
      params.push(opts.type);
    }
    const rows = this.db.sqlite
      .prepare(
        `UPDATE jobs SET status = 'pending', attempts = 0, run_at = ?, started_at = NULL, completed_at = NULL, updated_at = ?
         WHERE ${conds.join(" AND ")} RETURNING id`,
      )
      .all(now, now, ...params) as { id: number }[];
    return rows.map((r) => r.id).sort((a, b) => a - b);
  }

  /**
   * Deletes jobs in the given states (never running ones), optionally only those of one type
   * and last touched before a time.
   */
  purge(scope: JobScope, f: { statuses: readonly Exclude<JobStatus, "running">[]; before?: string | undefined; type?: string | undefined }): number {
    if (f.statuses.length === 0) return 0;
    const sc = scopeSql(scope);
    const conds = [sc.sql, `status IN (${f.statuses.map(() => "?").join(",")})`];
    const params: (string | number)[] = [...sc.params, ...f.statuses];
    if (f.before !== undefined) {
      conds.push("updated_at < ?");
      params.push(f.before);
    }
    if (f.type) {
      conds.push("type = ?");
      params.push(f.type);
    }
    return this.db.sqlite.prepare(`DELETE FROM jobs WHERE ${conds.join(" AND ")}`).run(...params).changes;
  }

  /** Deletes completed jobs (optionally of one type) that finished before the cutoff. */
  cleanup(scope: JobScope, f: { before: string; type?: string | undefined }): number {
    const { stmt, params } = this.forScope("cleanup", scope);
    return stmt.run(f.before, f.type ?? null, f.type ?? null, ...params).changes;
  }
}
