/** How the job queue runs; `loadConfig` fills it from ENGRAM_JOB_* and ENGRAM_SWEEP_INTERVAL_SECS. */
export interface JobsConfig {
  /** Jobs running at once, all types together. */
  concurrency: number;
  /** Jobs of one type running at once, unless the type registers its own limit. */
  typeConcurrency: number;
  /** Attempts before a job is dead-lettered (status failed), unless the type or the job says otherwise. */
  maxAttempts: number;
  /** How often the workers look for due jobs when nothing woke them. */
  pollMs: number;
  /** Retry n waits backoffBaseMs·2^(n-1), at most backoffMaxMs. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How often the TTL sweep runs; 0 switches the scheduled sweep off. */
  sweepIntervalMs: number;
  /** Completed jobs older than this are deleted by the scheduled cleanup. */
  retentionMs: number;
  /**
   * Pending jobs one tenant may have queued; a write that would add another is refused (the
   * kind `busy`) and changes nothing. System jobs and jobs with a dedupe key are never refused.
   */
  maxPendingPerTenant: number;
}

export const DEFAULT_JOBS_CONFIG: JobsConfig = {
  concurrency: 4,
  typeConcurrency: 2,
  maxAttempts: 3,
  pollMs: 1000,
  backoffBaseMs: 5_000,
  backoffMaxMs: 3_600_000,
  sweepIntervalMs: 300_000,
  retentionMs: 7 * 86_400_000,
  // One store queues two jobs (auto_link and the intelligence group's post_store): 20,000 is
  // the backlog of about 10,000 quick stores, an import of a few thousand notes with room to
  // spare (at 10,000 an HTTP seed was refused after about 5,000 stores), and still a bound on
  // what one tenant can pile up.
  maxPendingPerTenant: 20_000,
};

/** Delay before retry number `attempt` (1 = the first retry): base·2^(attempt-1), capped. */
export function backoffMs(attempt: number, cfg: Pick<JobsConfig, "backoffBaseMs" | "backoffMaxMs">): number {
  return Math.min(cfg.backoffBaseMs * 2 ** Math.max(0, attempt - 1), cfg.backoffMaxMs);
}
