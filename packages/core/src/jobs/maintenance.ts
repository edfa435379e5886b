import type { JobsConfig } from "./config.js";
import type { JobQueue } from "./queue.js";
import type { TtlSweeper } from "./ttl-sweep.js";

/** How often finished jobs past the retention period are deleted. */
const CLEANUP_INTERVAL_MS = 3_600_000;

/**
 * The queue's own scheduled work: the TTL sweep over every tenant and the deletion of
 * completed jobs past the retention period. Both are system jobs (no user_id).
 */
export function registerMaintenanceJobs(jobs: JobQueue, sweeper: TtlSweeper, config: JobsConfig, now: () => Date): void {
  // A tenant's job sweeps that tenant; the scheduled system job sweeps them all.
  jobs.register("ttl_sweep", async (job) => ({ swept: (await sweeper.sweep(job.userId)).swept }), { concurrency: 1 });
  if (config.sweepIntervalMs > 0) jobs.every("ttl_sweep", config.sweepIntervalMs);

  jobs.register("jobs_cleanup", () => {
    const before = new Date(now().getTime() - config.retentionMs);
    return { deleted: jobs.cleanup({ kind: "all" }, { before }), before: before.toISOString() };
  }, { concurrency: 1 });
  jobs.every("jobs_cleanup", CLEANUP_INTERVAL_MS);
}
