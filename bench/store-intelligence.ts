/**
 * Store latency with the intelligence group's background work on and off, in one run: p50 and
 * p95 of POST /store from one client over HTTP with the default embedder (USE-lite), on a
 * server with ENGRAM_INTELLIGENCE_JOBS=0 (plain memory: the store path as it was before the
 * intelligence group) and on one with it on (every approved store queues a post_store job that
 * derives facts, contradictions, personality signals, valence...). The jobs run on the same
 * two cores while the stores go on, so what they cost a store shows up here. The issue's
 * target: p50 with the jobs on at most 10% above p50 with them off.
 *
 * Rounds alternate off/on (BENCH_INTEL_ROUNDS, default 2), each on a fresh server and data
 * folder, so drift of the shared machine falls on both sides; medians over rounds are
 * reported. Texts: LoCoMo dev turns (first-person chat, what the extractors read), different in
 * every round. Run alone with `pnpm build && tsx bench/store-intelligence.ts` (about 3 minutes).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { api, bootstrap, ROOT, startServer, tempDir } from "../test/support/server.js";
import { loadLocomo, locomoTurns } from "./datasets.js";

type Client = ReturnType<typeof api>;

const STORES_PER_ROUND = 200;
const TARGET_RATIO = 1.1;

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

function percentile(ms: number[], q: number): number {
  const s = [...ms].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const t0 = performance.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One fresh server: the model loaded, then `texts` stored one after another, then the queue drained. */
async function measure(intelligenceJobs: boolean, texts: string[]) {
  const dataDir = tempDir("engram-bench-intel-");
  const server = await startServer({ ENGRAM_RATE_LIMIT_ENABLED: "0", ENGRAM_INTELLIGENCE_JOBS: intelligenceJobs ? "1" : "0" }, dataDir);
  try {
    const c: Client = api(server.url, await bootstrap(server.url));
    await waitFor(async () => ((await c.get("/admin/embedding-info")).body.status === "loaded" ? true : undefined), "the embedding model", 120_000);
    const ms: number[] = [];
    const t0 = performance.now();
    for (const content of texts) {
      const t = performance.now();
      const res = await c.post("/store", { content });
      ms.push(performance.now() - t);
      if (res.status !== 201 && !(res.status === 200 && res.body.duplicate)) throw new Error(`store failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const storing = (performance.now() - t0) / 1000;
    await waitFor(
      async () => {
        const s = (await c.get("/jobs/stats")).body as { pending: number; running: number };
        return s.pending + s.running === 0 ? true : undefined;
      },
      "the job queue to drain",
      30 * 60_000,
    );
    const jobs = (await c.get("/jobs/stats")).body as Record<string, unknown>;
    return {
      p50_ms: round(percentile(ms, 0.5)),
      p95_ms: round(percentile(ms, 0.95)),
      stores_per_second: round(texts.length / storing),
      seconds_until_jobs_done: round((performance.now() - t0) / 1000),
      jobs,
    };
  } finally {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runStoreIntelligenceBench(): Promise<object> {
  const rounds = Number(process.env.BENCH_INTEL_ROUNDS ?? 2);
  const turns = [...new Set(loadLocomo().flatMap((c) => locomoTurns(c).map((t) => t.content)))];
  if (turns.length < 2 * rounds * STORES_PER_ROUND) throw new Error(`only ${turns.length} distinct LoCoMo turns`);
  const loadBefore = os.loadavg()[0]!;
  const off: Awaited<ReturnType<typeof measure>>[] = [];
  const on: Awaited<ReturnType<typeof measure>>[] = [];
  let next = 0;
  const batch = () => turns.slice(next, (next += STORES_PER_ROUND));
  for (let r = 0; r < rounds; r++) {
    console.log(`store-intelligence: round ${r + 1} of ${rounds}…`);
    off.push(await measure(false, batch()));
    on.push(await measure(true, batch()));
  }
  const p50Off = median(off.map((x) => x.p50_ms));
  const p50On = median(on.map((x) => x.p50_ms));
  const report = {
    measured_at: new Date().toISOString(),
    machine: `${os.availableParallelism()} shared cores; load average ${round(loadBefore)} when the run started`,
    model: "use-lite-512 (the default)",
    settings: { stores_per_round: STORES_PER_ROUND, rounds, clients: 1, db_synchronous: "full (the default)" },
    data: "LoCoMo dev turns, distinct, different in every round",
    p50_ms: { intelligence_jobs_off: p50Off, intelligence_jobs_on: p50On },
    ratio_p50_on_over_off: round(p50On / p50Off, 3),
    target: `ratio ≤ ${TARGET_RATIO}`,
    met: p50On / p50Off <= TARGET_RATIO,
    rounds_off: off,
    rounds_on: on,
  };
  const out = path.join(ROOT, "bench/results/store-intelligence.json");
  fs.writeFileSync(out, JSON.stringify(report, null, 2) + "\n");
  console.log(`written to ${out}`);
  return report;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runStoreIntelligenceBench();
