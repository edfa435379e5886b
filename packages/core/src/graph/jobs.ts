import { z } from "zod";
import type { JobQueue } from "../jobs/index.js";
import type { GraphConfig } from "./config.js";
import type { GraphService } from "./service.js";

const autoLinkPayload = z.object({ memoryId: z.number().int().positive() });
/** The scheduler looks for due tenants this often (or at the refresh interval, if shorter). */
const SCAN_INTERVAL_MS = 30_000;

/**
 * The graph's background work on the durable queue:
 * - auto_link {memoryId}: links and entities of a stored memory (enqueued by MemoryService.store/update);
 * - graph_refresh: PageRank + communities of the job's tenant, at most `maxConcurrent` at once;
 * - graph_refresh_scan (scheduled when PageRank is enabled): enqueues graph_refresh for every
 *   tenant past the dirty-edge threshold, or changed and not refreshed for the interval.
 */
export function registerGraphJobs(jobs: JobQueue, graph: GraphService, config: GraphConfig, now: () => Date): void {
  jobs.register("auto_link", async (job) => {
    if (job.userId == null) throw new Error("auto_link needs the memory's user");
    return graph.indexMemory(job.userId, autoLinkPayload.parse(job.payload).memoryId);
  });

  jobs.register(
    "graph_refresh",
    (job) => {
      if (job.userId == null) throw new Error("graph_refresh needs a user");
      return graph.refresher.refresh(job.userId);
    },
    { concurrency: config.maxConcurrent },
  );

  jobs.register(
    "graph_refresh_scan",
    () => {
      const due = graph.state.due(now(), config.refreshIntervalMs, config.dirtyThreshold);
      // Per-tenant dedupe: a tenant whose refresh is still queued or running is not queued twice.
      for (const userId of due) jobs.enqueue("graph_refresh", {}, { userId, dedupeKey: "graph_refresh" });
      return { queued: due };
    },
    { concurrency: 1 },
  );
  if (config.pagerankEnabled) jobs.every("graph_refresh_scan", Math.min(SCAN_INTERVAL_MS, config.refreshIntervalMs));
}
