/** The jobs subsystem's public face: the durable queue other subsystems enqueue on and register with. */
import type { CoreContext } from "../context.js";
import { DEFAULT_JOBS_CONFIG, type JobsConfig } from "./config.js";
import { registerMaintenanceJobs } from "./maintenance.js";
import { JobQueue, type JobLog } from "./queue.js";

export { JobQueue, type JobContext, type JobHandler, type JobLog } from "./queue.js";
export { JobStore, JOB_STATUSES, type JobStatus, type JobScope, type JobStats, type JobListFilter } from "./store.js";
export { DEFAULT_JOBS_CONFIG, backoffMs, type JobsConfig } from "./config.js";

/** The queue with its own housekeeping registered; subsystems register their jobs on it. */
export function createJobs(ctx: CoreContext, deps: { config?: JobsConfig; log?: JobLog } = {}): JobQueue {
  const config = deps.config ?? DEFAULT_JOBS_CONFIG;
  const jobs = new JobQueue(ctx, config, deps.log);
  registerMaintenanceJobs(jobs, config, () => ctx.clock.now());
  return jobs;
}
