/**
 * Store time by memory size through the HTTP API of a real server with the default embedder
 * (USE-lite): p50 of POST /store for 1 KB, 10 KB and 100 KB memories, the slowest GET /health
 * that another client saw meanwhile (how long the event loop was held), and stores per
 * second from 8 concurrent clients with short memories (where the worker pool coalesces
 * requests into shared model batches).
 *
 * Texts are sentences of the README's words mixed with made-up ones, different for every
 * memory (so no two are near-duplicates), cut to the exact byte size. BENCH_STORE_SAMPLES (default 9) stores per size.
 * ENGRAM_EMBEDDING_* variables in the environment are passed to the servers (e.g.
 * ENGRAM_EMBEDDING_MAX_WINDOWS=8 to measure another cap); unset, the defaults are measured.
 * BENCH_BASELINE_SERVER=<path to another build's apps/server/bin/engram-server.js> measures
 * that build too (e.g. the commit before the worker pool), into `baseline`, with
 * BENCH_BASELINE_SAMPLES (default 3) stores per size.
 * Run alone with `pnpm build && tsx bench/store-size.ts` (about 2 minutes; the baseline's
 * 100 KB stores took 30-60 s each before the fix).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { api, bootstrap, ROOT, SERVER_BIN, startServer } from "../test/support/server.js";

const SIZES = [1_024, 10_240, 102_400];
const CLIENTS = 8;
const STORES_PER_CLIENT = 25;
const SHORT_BYTES = 200;

type Client = ReturnType<typeof api>;

/** A seeded generator (mulberry32), so runs store the same texts. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  ...new Set(
    fs
      .readFileSync(path.join(ROOT, "README.md"), "utf8")
      .toLowerCase()
      .split(/[^a-z]+/)
      .filter((w) => w.length >= 3),
  ),
];
const SYLLABLES = "ka lo mi ne ru ta vo shi den gar pel tor wix zan bro cly".split(" ");

/**
 * An ASCII text of exactly `bytes` bytes, different for every seed: sentences of the README's
 * words with every other word made up from syllables. Shuffled sentences alone would not do:
 * at 100 KB every text holds nearly the same words in the same proportions, and the near-
 * duplicate check (a SimHash of word counts) rightly takes them for one memory.
 */
function textOf(bytes: number, seed: number): string {
  const random = seeded(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const word = () => (random() < 0.5 ? pick(WORDS) : Array.from({ length: 2 + Math.floor(random() * 2) }, () => pick(SYLLABLES)).join(""));
  let text = `Memory ${seed}.`;
  while (text.length < bytes) {
    const sentence = Array.from({ length: 6 + Math.floor(random() * 12) }, word).join(" ");
    text += ` ${sentence[0]!.toUpperCase()}${sentence.slice(1)}.`;
  }
  return text.slice(0, bytes);
}

const round = (x: number) => Math.round(x * 10) / 10;
const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

/** Times one store while another client polls /health; answers both. */
async function timedStore(c: Client, url: string, content: string): Promise<{ ms: number; healthMaxMs: number }> {
  let storing = true;
  const t0 = performance.now();
  const store = c.post("/store", { content }).finally(() => {
    storing = false;
  });
  let healthMaxMs = 0;
  while (storing) {
    const t = performance.now();
    await fetch(`${url}/health`);
    healthMaxMs = Math.max(healthMaxMs, performance.now() - t);
    await new Promise((r) => setTimeout(r, 20));
  }
  const res = await store;
  const ms = performance.now() - t0;
  if (res.status !== 201 || res.body.embedded !== true) throw new Error(`store of ${content.length} bytes: ${res.status} ${JSON.stringify(res.body)}`);
  return { ms, healthMaxMs };
}

/** ENGRAM_EMBEDDING_* settings given to the benchmark go to the servers it starts, to measure other settings. */
function embeddingSettings(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith("ENGRAM_EMBEDDING_") && e[1] !== undefined));
}

async function measure(bin: string, samples: number) {
  const server = await startServer({ ENGRAM_RATE_LIMIT_ENABLED: "false", ...embeddingSettings() }, undefined, bin);
  try {
    const c = api(server.url, await bootstrap(server.url));
    while ((await c.get("/health/ready")).body.checks?.embedder !== "loaded") await new Promise((r) => setTimeout(r, 100));
    await c.post("/store", { content: "warm-up: the first store pays for lazy initialisation" });
    // Throughput first: a baseline build's 100 KB store holds its event loop for minutes.
    const tc = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let i = 0; i < STORES_PER_CLIENT; i++) {
          const res = await c.post("/store", { content: textOf(SHORT_BYTES, 100_000 + client * 1000 + i) });
          // A near-duplicate (200) is embedded too before the check finds it, so it counts as a store.
          if (res.status !== 201 && res.status !== 200) throw new Error(`concurrent store: ${res.status} ${JSON.stringify(res.body)}`);
        }
      }),
    );
    const seconds = (performance.now() - tc) / 1000;
    const concurrent = { clients: CLIENTS, stores: CLIENTS * STORES_PER_CLIENT, bytes_each: SHORT_BYTES, stores_per_second: round((CLIENTS * STORES_PER_CLIENT) / seconds) };
    console.log(`store-size: ${concurrent.stores_per_second} stores/s from ${CLIENTS} clients`);
    const sizes = [];
    let seed = 1;
    for (const bytes of SIZES) {
      const runs = [];
      const t0 = performance.now();
      try {
        for (let i = 0; i < samples; i++) runs.push(await timedStore(c, server.url, textOf(bytes, seed++)));
      } catch (err) {
        // The baseline's 100 KB store can outlast the HTTP client's 300 s wait for an answer.
        sizes.push({ bytes, stores: runs.length, error: `${(err as Error).message} (${(err as Error).cause ?? ""}) after ${round((performance.now() - t0) / 1000)} s` });
        console.log(`store-size: ${bytes} bytes failed: ${(err as Error).message}`);
        return { sizes, concurrent };
      }
      const ms = runs.map((r) => r.ms);
      sizes.push({
        bytes,
        stores: samples,
        p50_ms: round(percentile(ms, 50)),
        min_ms: round(Math.min(...ms)),
        max_ms: round(Math.max(...ms)),
        health_max_ms: round(Math.max(...runs.map((r) => r.healthMaxMs))),
      });
      console.log(`store-size: ${bytes} bytes p50 ${round(percentile(ms, 50))} ms`);
    }
    return { sizes, concurrent };
  } finally {
    await server.stop();
  }
}

export async function runStoreSizeBench(): Promise<object> {
  const samples = Number(process.env.BENCH_STORE_SAMPLES ?? 9);
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`BENCH_STORE_SAMPLES must be a positive integer, got ${process.env.BENCH_STORE_SAMPLES}`);
  const baselineBin = process.env.BENCH_BASELINE_SERVER;
  const loadBefore = os.loadavg()[0]!;
  const current = await measure(SERVER_BIN, samples);
  const baselineSamples = Number(process.env.BENCH_BASELINE_SAMPLES ?? 3);
  const baseline = baselineBin ? await measure(path.resolve(baselineBin), baselineSamples) : null;
  const report = {
    measured_at: new Date().toISOString(),
    machine: `${os.availableParallelism()} shared cores; load average ${round(loadBefore)} when the run started (other work ran on them at the same time)`,
    model: "use-lite-512 (the default)",
    settings: { samples_per_size: samples, ...embeddingSettings() },
    data: "ASCII texts of exactly 1 KB, 10 KB and 100 KB: sentences of the README's words, every other word made up, different for every memory",
    current,
    baseline: baseline && { server: baselineBin, stores_per_size: baselineSamples, ...baseline },
  };
  const out = path.join(ROOT, "bench/results/store-size.json");
  fs.writeFileSync(out, JSON.stringify(report, null, 2) + "\n");
  console.log(`written to ${out}`);
  return report;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runStoreSizeBench();
