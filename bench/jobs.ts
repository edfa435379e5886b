/**
 * Job queue benchmark, in process over core: what a claim and an enqueue cost when the queue
 * is deep, now that claims take tenants in turn (jobs/store.ts) and enqueues check the
 * tenant's cap. BENCH_JOBS_PENDING (default 100000) pending jobs over 100 tenants, half of
 * them one tenant's; two job types. Measured on a database file (WAL, synchronous=normal):
 * - claim: JobStore.claim over both types, 2,000 times (each one claims a job);
 * - enqueue: JobQueue.enqueue for a tenant with a deep backlog (the cap check included), 2,000
 *   times inside transactions of 100, as a write path enqueues inside its own transaction;
 * - fairness: how many claims until a newcomer tenant's one job runs.
 * Run alone with `pnpm build && tsx bench/jobs.ts`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createAuth, DEFAULT_JOBS_CONFIG, JobQueue, openDb, SpaceContentsStore, systemClock } from "@engram/core";
import { ROOT, tempDir } from "../test/support/server.js";

const TENANTS = 100;
const SAMPLES = 2_000;
const TYPES = ["auto_link", "graph_refresh"];

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};
const round = (x: number) => Math.round(x * 1000) / 1000;
const summary = (xs: number[]) => ({ median_ms: round(quantile(xs, 0.5)), p95_ms: round(quantile(xs, 0.95)), p99_ms: round(quantile(xs, 0.99)) });

export async function runJobsBench(): Promise<object> {
  const pending = Number(process.env.BENCH_JOBS_PENDING ?? 100_000);
  const dir = tempDir("engram-bench-jobs-");
  const db = openDb({ path: path.join(dir, "engram.db"), synchronous: "normal" });
  try {
    const ctx = { db, clock: systemClock };
    const auth = createAuth(ctx, { pepper: "", contents: new SpaceContentsStore(db) });
    const users = Array.from({ length: TENANTS + 1 }, (_, i) => auth.createUser(`tenant${i}`, undefined, "writer").id);
    const [heavy, newcomer, ...others] = users as [number, number, ...number[]];
    const queue = new JobQueue(ctx, { ...DEFAULT_JOBS_CONFIG, maxPendingPerTenant: Number.MAX_SAFE_INTEGER });
    const t0 = performance.now();
    db.sqlite.transaction(() => {
      for (let i = 0; i < pending; i++) {
        const userId = i % 2 === 0 ? heavy : others[i % others.length]!;
        queue.enqueue(TYPES[i % TYPES.length]!, { i }, { userId });
      }
    })();
    const seedMs = performance.now() - t0;

    const enqueueMs: number[] = [];
    for (let batch = 0; batch < SAMPLES / 100; batch++) {
      db.sqlite.transaction(() => {
        for (let i = 0; i < 100; i++) {
          const t = performance.now();
          queue.enqueue("auto_link", { extra: i }, { userId: heavy });
          enqueueMs.push(performance.now() - t);
        }
      })();
    }

    queue.enqueue("auto_link", { newcomer: true }, { userId: newcomer });
    const claimMs: number[] = [];
    let newcomerServedAt = -1;
    const now = new Date(Date.now() + 1000).toISOString();
    for (let i = 0; i < SAMPLES; i++) {
      const t = performance.now();
      const job = queue.store.claim(TYPES, now);
      claimMs.push(performance.now() - t);
      if (job?.userId === newcomer && newcomerServedAt < 0) newcomerServedAt = i + 1;
    }

    const result = {
      benchmark: "jobs",
      measured_at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? "unknown", node: process.version, load_average_at_end: os.loadavg().map(round) },
      settings: { pending_jobs: pending, tenants: TENANTS, heavy_tenant_share: 0.5, types: TYPES, synchronous: "normal" },
      seed_ms_per_enqueue: round(seedMs / pending),
      enqueue: summary(enqueueMs),
      claim: summary(claimMs),
      newcomer_served_at_claim: newcomerServedAt,
    };
    const out = path.join(ROOT, "bench/results/jobs.json");
    fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
    console.log(`written to ${out}`);
    return result;
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runJobsBench();
