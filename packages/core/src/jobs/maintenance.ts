import type { JobsConfig } from "./config.js";
import type { JobQueue } from "./queue.js";

/** How often finished jobs past the retention period are deleted. */
const CLEANUP_INTERVAL_MS = 3_600_000;

/**
 * The queue's own scheduled work: the deletion of completed jobs past the retention period,
 * a system job (no user_id). Subsystems register their own jobs (memory/jobs.ts, graph/jobs.ts).
 */
export function registerMaintenanceJobs(jobs: JobQueue, config: JobsConfig, now: () => Date): void {
  jobs.register("jobs_cleanup", () => {
    const before = new Date(now().getTime() - config.retentionMs);
    return { deleted: jobs.cleanup({ kind: "all" }, { before }), before: before.toISOString() };
  }, { concurrency: 1 });
  jobs.every("jobs_cleanup", CLEANUP_INTERVAL_MS);
}
