import type { JobQueue } from "../jobs/index.js";
import type { TtlSweeper } from "./expiry-sweep.js";

/**
 * Memory's background work on the durable queue: ttl_sweep forgets memories past their
 * forget_after. A tenant's job sweeps that tenant; the scheduled system job (every
 * `sweepIntervalMs`, 0: never) sweeps them all.
 */
export function registerMemoryJobs(jobs: JobQueue, sweeper: TtlSweeper, sweepIntervalMs: number): void {
  jobs.register("ttl_sweep", async (job) => ({ swept: (await sweeper.sweep(job.userId)).swept }), { concurrency: 1 });
  if (sweepIntervalMs > 0) jobs.every("ttl_sweep", sweepIntervalMs);
}
