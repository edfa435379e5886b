/**
 * What the valence and causal post-store steps (intelligence/valence, intelligence/causal) cost
 * per memory, against the store they follow, measured in the same run over core on a database
 * file (WAL, synchronous=normal): one tenant with BENCH_SIGNALS_MEMORIES (default 10000)
 * memories, then SAMPLES new memories, each stored (`memories.store`, the baseline) and then run
 * through every post-store step (`postStore.run`, what the post_store job does). A quarter of the
 * new memories carry causal wording that names an earlier memory. Also the growth of the
 * scorers with the text's size (fastest of 11 at 12.8 KB to 102.4 KB; about 2 per doubling is
 * linear). Run alone with `pnpm build && tsx bench/signals.ts`.
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import { createEngram, DEFAULT_JOBS_CONFIG, scoreSentiment, scoreValence, storeInputSchema } from "@engram/core";
import { matchCausalClues } from "../packages/core/dist/intelligence/causal/detect.js";
import { ROOT, tempDir } from "../test/support/server.js";

const SAMPLES = 400;
const SIZES = [12_800, 25_600, 51_200, 102_400];
const WORDS = ["deploy", "cache", "disk", "billing", "proxy", "certificate", "backup", "latency", "queue", "schema", "invoice", "runner", "cluster", "token", "index"];
const EMOTIONS = ["happy", "worried", "frustrated", "proud", "calm", "surprised", ""];

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};
const round = (x: number) => Math.round(x * 1000) / 1000;
const summary = (xs: number[]) => ({ median_ms: round(quantile(xs, 0.5)), p95_ms: round(quantile(xs, 0.95)) });

/** A sentence about a few of the words, numbered so no two are near-duplicates. */
const sentence = (i: number) => {
  const w = (k: number) => WORDS[(i * 7 + k * 3) % WORDS.length];
  return `Note ${i}: the ${w(0)} of ${w(1)} host-${i} had ${w(2)} trouble; team felt ${EMOTIONS[i % EMOTIONS.length]} about ${w(3)} ${i * 13}`;
};

v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;

/**
 * Milliseconds of one call at each size: the fastest of 11 rounds, each calling once at every
 * size after a full collection (the machine is shared: the fastest is the scorer's own cost).
 */
function timesAt(run: (t: string) => unknown, texts: string[]): number[] {
  for (const t of texts) run(t);
  const best = texts.map(() => Infinity);
  for (let r = 0; r < 11; r++) {
    texts.forEach((t, i) => {
      collectGarbage();
      const t0 = performance.now();
      run(t);
      best[i] = Math.min(best[i]!, performance.now() - t0);
    });
  }
  return best;
}

export async function runSignalsBench(): Promise<object> {
  const memories = Number(process.env.BENCH_SIGNALS_MEMORIES ?? 10_000);
  const dir = tempDir("engram-bench-signals-");
  // The seed enqueues a post_store and an auto_link job per memory; nothing runs them here.
  const jobs = { ...DEFAULT_JOBS_CONFIG, maxPendingPerTenant: Number.MAX_SAFE_INTEGER };
  const engram = createEngram({ dbPath: path.join(dir, "engram.db"), dbSynchronous: "normal", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2, jobs });
  try {
    const user = engram.auth.createUser("bench", undefined, "writer").id;
    const store = (content: string) => {
      const r = engram.memories.store(user, storeInputSchema.parse({ content }));
      if (r.kind !== "stored") throw new Error(`duplicate: ${content}`);
      return r.memory.id;
    };
    engram.db.sqlite.transaction(() => {
      for (let i = 0; i < memories; i++) store(sentence(i));
    })();
    const storeMs: number[] = [];
    const stepsMs: number[] = [];
    let linked = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const n = memories + i;
      // Every fourth memory says it happened because of the one stored just before it.
      const content = i % 4 === 3 ? `Note ${n}: the alerts fired because ${sentence(n - 1).split(": ")[1]}` : sentence(n);
      const t0 = performance.now();
      const id = store(content);
      const t1 = performance.now();
      const result = (await engram.postStore.run(user, id)) as { causal: { links: number } };
      const t2 = performance.now();
      storeMs.push(t1 - t0);
      stepsMs.push(t2 - t1);
      linked += result.causal.links;
    }
    const prose = "Alice was frustrated because the deploy failed, but proud that the rollback worked; not happy about the outage. ";
    const texts = SIZES.map((s) => prose.repeat(Math.ceil(s / prose.length)).slice(0, s));
    const candidates = Array.from({ length: 50 }, (_, i) => ({ id: i, content: sentence(i) }));
    const growth = Object.fromEntries(
      [
        ["scoreValence", (t: string) => scoreValence(t)],
        ["scoreSentiment", (t: string) => scoreSentiment(t)],
        ["matchCausalClues (50 candidates)", (t: string) => matchCausalClues(t, candidates)],
      ].map(([name, run]) => {
        const ms = timesAt(run as (t: string) => unknown, texts);
        return [name as string, { ms_at_sizes: ms.map(round), growth_per_doubling: ms.slice(1).map((m, k) => round(m / ms[k]!)) }];
      }),
    );
    const store_ = summary(storeMs);
    const steps = summary(stepsMs);
    const result = {
      settings: { memories, samples: SAMPLES, causal_share: 0.25, sizes: SIZES, synchronous: "normal", embedder: "none" },
      store: store_,
      post_store_steps: steps,
      steps_over_store_median: round(steps.median_ms / store_.median_ms),
      causal_links_made: linked,
      scorer_growth: growth,
    };
    const out = path.join(ROOT, "bench/results/signals.json");
    fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
    console.log(JSON.stringify(result, null, 2));
    console.log(`written to ${out}`);
    return result;
  } finally {
    engram.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runSignalsBench();
