/**
 * Latency and throughput through the HTTP API of a real server, at each size in BENCH_SIZES
 * (default 10000,100000) memories in one tenant, with the exact in-memory scan and with the
 * LanceDB backend: search latency single-client and under 8 concurrent clients on distinct
 * queries (no query-embedding cache hits) and with half the queries repeated, the throughput
 * ratio of 8 clients to one, the stage times (from POST /search/explain), the LanceDB answers'
 * overlap with the exact scan's, and the server's memory (VmRSS / VmHWM from /proc). Before the
 * sizes, once per run (BENCH_STORES=0 skips it): store throughput of short memories the server
 * embeds itself, from 1 and from 8 clients.
 *
 * Seeding 100k memories through the model would cost ~13 ms each (about 22 minutes), so the
 * benchmark embeds the 2,760 distinct LoCoMo dev turns once, here, with the same USE-lite
 * model, and stores every memory with its vector: turn i mod 2,760 with its year shifted per
 * cycle, and its vector perturbed by Gaussian noise (cosine ≈ 0.95 to the original). Queries
 * are the LoCoMo dev questions, embedded by the server.
 * BENCH_SEED=http seeds through POST /store (default below 50k memories): a store also enqueues
 * the graph's auto_link job, so the seed rate is given as acknowledged and until the job queue
 * drained. BENCH_SEED=core (default from 50k) writes the same rows through core in this process,
 * drops the auto_link jobs (the tenant has no links) and then starts the server on the folder:
 * minutes instead of over an hour at 100k. Searches are measured on an idle queue. Every server
 * runs with ENGRAM_INTELLIGENCE_JOBS=0, as the figures before the intelligence group were taken:
 * what the post_store jobs cost a store is bench/store-intelligence.ts's measure, and an HTTP
 * seed of 10k with them on outruns the per-tenant job backlog (429 after about 5,000 stores).
 * Run alone with `pnpm build && BENCH_SIZES=10000 tsx bench/latency.ts` (about 10 minutes on the
 * 2-core machine). BENCH_LATENCY_DATA_DIR=<folder> measures a folder an earlier run seeded (it
 * is left in place); BENCH_LATENCY_OUT names the results file (default latency.json).
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createEngram, loadConfig, openDb, storeInputSchema, UseLiteEmbedder } from "@engram/core";
import { api, bootstrap, ROOT, startServer, tempDir, type RunningServer } from "../test/support/server.js";
import { loadLocomo, locomoTurns } from "./datasets.js";

type Client = ReturnType<typeof api>;

const SEED_CONCURRENCY = 4;
const STORES_AT_SIZE = 1_000;
const SINGLE_QUERIES = 200;
const CLIENTS = 8;
const QUERIES_PER_CLIENT = 40;
const EXPLAIN_QUERIES = 50;
/** Short memories stored per client count in the store-throughput phase (embedded by the server). */
const THROUGHPUT_STORES = 400;
/** The longest LoCoMo turn taken as a short memory. */
const SHORT_CHARS = 120;
/** From this size the tenant is seeded through core (BENCH_SEED overrides): HTTP seeding of 100k takes over an hour. */
const CORE_SEED_FROM = 50_000;
const OVERLAP_QUERIES = 100;
/** Per-dimension noise: for unit 512-d vectors, cos(v, v + noise) ≈ 1 / sqrt(1 + 512 σ²) ≈ 0.95. */
const NOISE_SIGMA = 0.0145;
/** The Lance run moves the tenant at this size (far below every benchmark size). */
const LANCE_THRESHOLD = 1_000;
/** Rows from which the Lance index builds its HNSW index (LanceVectorIndex's default). */
const ANN_MIN_ROWS = 20_000;

interface Corpus {
  texts: string[];
  vectors: Float32Array[];
  questions: string[];
  /** Distinct turns of at most SHORT_CHARS characters, for the store-throughput phase. */
  short: string[];
}

async function corpus(): Promise<Corpus> {
  const convs = loadLocomo();
  const texts = convs.flatMap((c) => locomoTurns(c).map((t) => t.content));
  const questions = convs.flatMap((c) => c.qa.map((q) => q.question));
  const embedder = new UseLiteEmbedder();
  const vectors: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += 64) vectors.push(...(await embedder.embed(texts.slice(i, i + 64))));
  const short = [...new Set(texts.filter((t) => t.length <= SHORT_CHARS))];
  if (short.length < 2 * THROUGHPUT_STORES) throw new Error(`only ${short.length} short LoCoMo turns; the store phase needs ${2 * THROUGHPUT_STORES}`);
  return { texts, vectors, questions, short };
}

/** Deterministic standard normal numbers (mulberry32 + Box-Muller), so runs store the same data. */
function gaussian(seed: number) {
  let s = seed;
  const uniform = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
}

function memoryAt(i: number, c: Corpus, noise: () => number): { content: string; embedding: number[] } {
  const base = i % c.texts.length;
  const cycle = Math.floor(i / c.texts.length);
  const content = cycle === 0 ? c.texts[base]! : c.texts[base]!.replace(/(\d{4})\]/, (_, year: string) => `${Number(year) + cycle}]`);
  const v = c.vectors[base]!;
  const out = Array.from(v, (x) => x + NOISE_SIGMA * noise());
  const norm = Math.hypot(...out);
  return { content, embedding: out.map((x) => Math.round((x / norm) * 1e6) / 1e6) };
}

/** Resolves once no job is pending or running (the background work stores cause). */
async function idle(admin: Client) {
  await waitFor(
    async () => {
      const stats = (await admin.get("/jobs/stats")).body as { pending: number; running: number };
      return stats.pending + stats.running === 0 ? true : undefined;
    },
    "the job queue to drain",
    60 * 60_000,
  );
}

/**
 * Stores memories [from, to) with `concurrency` clients; resolves with the rate as acknowledged,
 * the rate until the background jobs those stores caused have run, and the new ids.
 */
async function store(c: Client, corpusData: Corpus, from: number, to: number, concurrency: number) {
  const noise = gaussian(from + 1);
  return storeBodies(c, (i) => memoryAt(i, corpusData, noise), from, to, concurrency);
}

/** Stores bodyAt(i) for i in [from, to) with `concurrency` clients, in order of i. */
async function storeBodies(c: Client, bodyAt: (i: number) => object, from: number, to: number, concurrency: number) {
  let next = from;
  const ids: number[] = [];
  let duplicates = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < to) {
        const res = await c.post("/store", bodyAt(next++));
        if (res.status === 201) ids.push(res.body.id);
        else if (res.status === 200 && res.body.duplicate) duplicates++;
        else throw new Error(`store failed: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await idle(c);
  const toIdle = (performance.now() - t0) / 1000;
  const rate = {
    stored: ids.length,
    duplicates,
    seconds: round(seconds),
    per_second: round((to - from) / seconds),
    seconds_until_jobs_done: round(toIdle),
    per_second_including_jobs: round((to - from) / toIdle),
  };
  return { rate, ids };
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

function percentiles(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { n: s.length, p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(s[s.length - 1]!) };
}

async function timedSearch(c: Client, query: string, limit = 10): Promise<number> {
  const t = performance.now();
  const res = await c.post("/search", { query, limit });
  if (res.status !== 200) throw new Error(`search failed: ${res.status} ${JSON.stringify(res.body)}`);
  return performance.now() - t;
}

async function sequential(c: Client, queries: string[]) {
  const ms: number[] = [];
  const t0 = performance.now();
  for (const query of queries) ms.push(await timedSearch(c, query));
  return { ...percentiles(ms), queries_per_second: round(ms.length / ((performance.now() - t0) / 1000)) };
}

/** A search as a client sends it: its question, and its limit. */
interface Ask {
  query: string;
  limit: number;
}

async function concurrent(url: string, key: string | undefined, asks: Ask[]) {
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      const c = api(url, key);
      for (let i = 0; i < QUERIES_PER_CLIENT; i++) {
        const ask = asks[client * QUERIES_PER_CLIENT + i]!;
        latencies.push(await timedSearch(c, ask.query, ask.limit));
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { clients: CLIENTS, ...percentiles(latencies), queries_per_second: round(latencies.length / seconds) };
}

/**
 * Each client's questions with every other one a repeat of a question that client asked
 * earlier in the phase: half the searches repeated. A repeat asks for one result more, so the
 * tenant's cache of rankings (dropped at every write, as an agent's stores between two
 * questions would drop it) does not answer it and the figure shows the query-embedding cache.
 */
function halfRepeated(fresh: string[]): Ask[] {
  return Array.from({ length: CLIENTS }, (_, client) => {
    const own = fresh.slice(client * (QUERIES_PER_CLIENT / 2), (client + 1) * (QUERIES_PER_CLIENT / 2));
    return Array.from({ length: QUERIES_PER_CLIENT }, (_, i) =>
      i % 2 === 0 ? { query: own[i / 2]!, limit: 10 } : { query: own[(i * 7) % ((i + 1) / 2)]!, limit: 11 },
    );
  }).flat();
}

/** Each stage's share of the summed stage times over explained searches (timings_ms from /search/explain). */
async function stageShares(c: Client, queries: string[]) {
  const sums: Record<string, number> = {};
  for (const query of queries) {
    const body = await explain(c, { query, limit: 10 });
    for (const [stage, ms] of Object.entries(body.timings_ms as Record<string, number>)) sums[stage] = (sums[stage] ?? 0) + ms;
  }
  const total = sums["total"] ?? 0;
  const stages = Object.entries(sums).filter(([stage]) => stage !== "total" && stage !== "hybrid");
  return {
    mean_total_ms: round(total / queries.length),
    share: Object.fromEntries(stages.map(([stage, ms]) => [stage, round(ms / total, 3)])),
    mean_ms: Object.fromEntries(stages.map(([stage, ms]) => [stage, round(ms / queries.length, 2)])),
  };
}

function memoryMb(pid: number) {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rss_mb: Math.round(kb("VmRSS") / 1024), peak_rss_mb: Math.round(kb("VmHWM") / 1024) };
}

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs: number): Promise<T> {
  const t0 = performance.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** No rate limit, and stores without the intelligence group's post_store jobs (see the header). */
const PLAIN_STORES = { ENGRAM_RATE_LIMIT_ENABLED: "0", ENGRAM_INTELLIGENCE_JOBS: "0" };

function serverEnv(backend: "exact" | "lancedb"): Record<string, string> {
  return { ...PLAIN_STORES, ENGRAM_USE_LANCE_INDEX: backend === "lancedb" ? "1" : "0", ENGRAM_LANCE_THRESHOLD: String(LANCE_THRESHOLD) };
}

/** How long the LanceDB run waits for background compaction after opening a large table. */
const SETTLE_MS = 60_000;

const MAINTENANCE = ["vector table built from SQLite", "vector table healed from SQLite", "vector table ANN index built", "vector table compacted"];

/** The LanceDB index's own log lines (builds, heals, index builds, compactions) with their sizes and times. */
function maintenanceLogs(server: RunningServer) {
  return MAINTENANCE.flatMap((msg) => logged(server, msg).map((r) => ({ msg, rows: r.rows, ms: r.ms })));
}

const logged = (server: RunningServer, msg: string) =>
  server.logs.map((l) => {
    try {
      return JSON.parse(l) as { msg?: string; rows?: number; ms?: number };
    } catch {
      return {};
    }
  }).filter((r) => r.msg === msg);

interface Phases {
  single: string[];
  concurrent: string[];
  /** Fresh questions of the half-repeated phase (each asked twice). */
  repeated: string[];
  explain: string[];
  overlap: string[];
}

/** The questions split so that no phase repeats another's query (the search and query-embedding caches would answer it). */
function phases(questions: string[]): Phases {
  let at = 0;
  const take = (n: number) => {
    const out = Array.from({ length: n }, (_, i) => {
      const q = questions[(at + i) % questions.length]!;
      return at + i < questions.length ? q : `${q} (${Math.floor((at + i) / questions.length)})`;
    });
    at += n;
    return out;
  };
  return {
    single: take(SINGLE_QUERIES),
    concurrent: take(CLIENTS * QUERIES_PER_CLIENT),
    repeated: take((CLIENTS * QUERIES_PER_CLIENT) / 2),
    explain: take(EXPLAIN_QUERIES),
    overlap: take(OVERLAP_QUERIES),
  };
}

/** Explain calls that failed (and were retried once); the run's server log says why. */
let explainFailures = 0;

async function explain(c: Client, body: Record<string, unknown>) {
  for (let attempt = 1; ; attempt++) {
    const res = await c.post("/search/explain", body);
    if (res.status === 200) return res.body;
    explainFailures++;
    if (attempt === 2) throw new Error(`explain failed twice: ${res.status} ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The server's error lines, for a run whose requests failed. */
const serverErrors = (server: RunningServer) => server.logs.filter((l) => l.includes('"level":50')).slice(0, 3);

/**
 * The vector channel's own top 10 for each query: its ranks as /search/explain reports them
 * (the final order also weighs recency and accesses, which differ between the two runs).
 */
async function vectorTop10(c: Client, queries: string[]): Promise<number[][]> {
  const out: number[][] = [];
  for (const query of queries) {
    const results = (await explain(c, { query, limit: 50, channels: ["vector"] })).results as { id: number; ranks: { vector: number | null } }[];
    const top = results.filter((r) => r.ranks.vector !== null && r.ranks.vector <= 10).sort((a, b) => a.ranks.vector! - b.ranks.vector!);
    out.push(top.map((r) => r.id));
  }
  return out;
}

async function loaded(admin: Client) {
  return waitFor(
    async () => {
      const info = (await admin.get("/admin/embedding-info")).body;
      return info.status === "loaded" ? info : undefined;
    },
    "the embedding model",
    120_000,
  );
}

/**
 * One server over the seeded database. Both backends search the same `size` memories: the
 * exact run deletes the memories its store measurement added, so the LanceDB run's answers
 * can be compared with the exact scan's.
 */
async function measureBackend(backend: "exact" | "lancedb", size: number, dataDir: string, key: string | undefined, data: Corpus, q: Phases, exactTop?: number[][]) {
  // Without a key (a reused folder), open access on loopback acts as user 1, the seeded tenant.
  const server = await startServer({ ...serverEnv(backend), ...(key ? {} : { ENGRAM_OPEN_ACCESS: "1" }) }, dataDir);
  try {
    const c = api(server.url, key);
    await loaded(c);
    await idle(c);
    // The first search loads the tenant: the exact scan reads every vector from SQLite; LanceDB opens its table and checks it against SQLite.
    const opened = performance.now();
    const cold = await timedSearch(c, "warm-up: what did they talk about first?");
    if (backend === "lancedb" && size >= ANN_MIN_ROWS && logged(server, "vector table built from SQLite").length > 0) {
      // A folder seeded through core gets its table, and then its ANN index, when the first search opens it.
      await waitFor(() => logged(server, "vector table ANN index built")[0], "the ANN index", 60 * 60_000);
    } else if (backend === "lancedb" && size >= ANN_MIN_ROWS) {
      // Opening folds rows the ANN index does not cover yet into it, in the background; let that finish.
      await waitFor(() => logged(server, "vector table compacted")[0] ?? (performance.now() - opened > SETTLE_MS ? {} : undefined), "compaction", SETTLE_MS + 60_000);
    }
    for (let i = 0; i < 10; i++) await timedSearch(c, `warm-up ${i}: where did they go?`);
    const result: Record<string, unknown> = { backend, cold_first_search_ms: round(cold) };
    // Overlap first, so both backends answer over the same memories.
    const top = await vectorTop10(c, q.overlap);
    if (exactTop) {
      const overlaps = top.map((ids, i) => {
        const truth = exactTop[i]!;
        return truth.length === 0 ? 1 : ids.filter((id) => truth.includes(id)).length / truth.length;
      });
      result.vector_top10_overlap_with_exact = round(overlaps.reduce((a, b) => a + b, 0) / overlaps.length, 3);
    }
    const single = await sequential(c, q.single);
    result.search_single_client_ms = single;
    const distinct = await concurrent(server.url, key, q.concurrent.map((query) => ({ query, limit: 10 })));
    result.search_concurrent_ms = distinct;
    result.throughput_ratio_8_clients_to_1 = round(distinct.queries_per_second / single.queries_per_second, 2);
    result.search_concurrent_half_repeated_ms = await concurrent(server.url, key, halfRepeated(q.repeated));
    result.stages = await stageShares(c, q.explain);
    result.memory_after_search = memoryMb(server.proc.pid!);
    // Texts past the seeded range, different for each backend.
    const from = size + (backend === "exact" ? 0 : STORES_AT_SIZE);
    const added = await store(c, data, from, from + STORES_AT_SIZE, SEED_CONCURRENCY);
    result.store_at_size = added.rate;
    result.memory_end = memoryMb(server.proc.pid!);
    if (backend === "exact") for (const id of added.ids) await c.del(`/memory/${id}`);
    await idle(c);
    if (backend === "lancedb") result.lance_maintenance = maintenanceLogs(server);
    result.explain_failures_retried = explainFailures;
    result.server_errors = serverErrors(server);
    explainFailures = 0;
    return { result, top };
  } catch (err) {
    throw new Error(`${(err as Error).message}\nserver errors: ${serverErrors(server).join("\n")}`);
  } finally {
    await server.stop();
  }
}

/**
 * Seed figures of a folder seeded by an earlier, interrupted run, from the rows' own timestamps:
 * stores from the first to the last memory, and until the last auto_link job completed.
 */
function seedFromDatabase(dataDir: string, size: number) {
  const db = openDb({ path: path.join(dataDir, "engram.db"), synchronous: "normal" });
  try {
    const m = db.sqlite.prepare("SELECT min(created_at) AS first, max(created_at) AS last, count(*) AS n FROM memories WHERE user_id = 1").get() as { first: string; last: string; n: number };
    const j = db.sqlite.prepare("SELECT max(completed_at) AS done FROM jobs WHERE type = 'auto_link'").get() as { done: string };
    // A few stores of a large seed are refused as near-duplicates of recent ones.
    if (m.n < size * 0.99) throw new Error(`${dataDir} holds ${m.n} memories, not the ${size} asked for`);
    const seconds = (Date.parse(m.last) - Date.parse(m.first)) / 1000;
    const toIdle = (Date.parse(j.done) - Date.parse(m.first)) / 1000;
    return {
      reused_folder: "seeded by an earlier run of this benchmark; figures from the rows' timestamps",
      stored: m.n,
      seconds: round(seconds),
      per_second: round(m.n / seconds),
      seconds_until_jobs_done: round(toIdle),
      per_second_including_jobs: round(m.n / toIdle),
    };
  } finally {
    db.close();
  }
}

/**
 * Stores per second of short memories the server embeds itself (no `embedding` sent), on a
 * fresh server: THROUGHPUT_STORES from one client, then as many others from CLIENTS clients.
 * Measured with the default durability (ENGRAM_DB_SYNCHRONOUS=full: every commit waits for the
 * disk, on the event loop) and with `normal`, which leaves the embedding as the limit.
 */
async function storeThroughput(data: Corpus) {
  const out: Record<string, unknown>[] = [];
  for (const synchronous of ["full", "normal"]) {
    const dataDir = tempDir("engram-bench-stores-");
    const server = await startServer({ ...PLAIN_STORES, ENGRAM_DB_SYNCHRONOUS: synchronous }, dataDir);
    try {
      const c = api(server.url, await bootstrap(server.url));
      await loaded(c);
      const one = (await storeBodies(c, (i) => ({ content: data.short[i]! }), 0, THROUGHPUT_STORES, 1)).rate;
      const many = (await storeBodies(c, (i) => ({ content: data.short[i]! }), THROUGHPUT_STORES, 2 * THROUGHPUT_STORES, CLIENTS)).rate;
      out.push({ db_synchronous: synchronous, client_1: one, [`clients_${CLIENTS}`]: many, ratio: round(many.per_second / one.per_second, 2) });
    } finally {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return out;
}

/**
 * Seeds the tenant through core instead of HTTP: the same rows, vectors and first FSRS review
 * as POST /store with `embedding`, stored in one process with commits that do not wait for the
 * disk. The auto_link and post_store jobs the stores enqueue are dropped as the seed goes (two
 * per store would reach the tenant's limit of pending jobs after 5,000 stores), so the seeded
 * memories have no links (the graph channel has nothing to expand) and no post-store analysis:
 * at 100k the auto_link jobs alone were most of an 82-minute seed.
 * The tenant is user 1, which the server then serves with open access on loopback.
 */
async function seedThroughCore(dataDir: string, size: number, data: Corpus) {
  const engram = createEngram(
    loadConfig({ ENGRAM_DATA_DIR: dataDir, ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_DB_SYNCHRONOUS: "normal", ENGRAM_USE_LANCE_INDEX: "0" }),
  );
  try {
    // The server's model: its vectors are read as this model's when it starts.
    engram.vectors.activate({ id: new UseLiteEmbedder().id, dimension: data.vectors[0]!.length });
    const user = engram.auth.createUser("bench", undefined, "admin").id;
    if (user !== 1) throw new Error(`the seeded tenant must be user 1 (open access), got ${user}`);
    const noise = gaussian(1);
    const dropJobs = engram.db.sqlite.prepare("DELETE FROM jobs WHERE type IN ('auto_link', 'post_store')");
    let duplicates = 0;
    let dropped = 0;
    const t0 = performance.now();
    for (let i = 0; i < size; i++) {
      const m = memoryAt(i, data, noise);
      if (engram.memories.store(user, storeInputSchema.parse({ content: m.content }), Float32Array.from(m.embedding)).kind === "duplicate") duplicates++;
      if (i % 1_000 === 999 || i === size - 1) dropped += dropJobs.run().changes;
    }
    const seconds = (performance.now() - t0) / 1000;
    return { seeded_through: "core, without auto_link and post_store jobs", stored: size - duplicates, duplicates, seconds: round(seconds), per_second: round(size / seconds), jobs_dropped: dropped };
  } finally {
    await engram.vectors.close();
    engram.close();
  }
}

async function runSize(size: number, data: Corpus) {
  const q = phases(data.questions);
  const reuse = process.env.BENCH_LATENCY_DATA_DIR;
  if (reuse) {
    const seed = seedFromDatabase(reuse, size);
    const exact = await measureBackend("exact", size, reuse, undefined, data, q);
    const lance = await measureBackend("lancedb", size, reuse, undefined, data, q, exact.top);
    return { memories: size, seed, backends: [exact.result, lance.result] };
  }
  const dataDir = tempDir("engram-bench-latency-");
  const seedMode = process.env.BENCH_SEED ?? (size >= CORE_SEED_FROM ? "core" : "http");
  if (seedMode !== "core" && seedMode !== "http") throw new Error(`BENCH_SEED must be core or http, got ${seedMode}`);
  if (seedMode === "core") {
    const seed = await seedThroughCore(dataDir, size, data);
    const exact = await measureBackend("exact", size, dataDir, undefined, data, q);
    const lance = await measureBackend("lancedb", size, dataDir, undefined, data, q, exact.top);
    fs.rmSync(dataDir, { recursive: true, force: true });
    return { memories: size, seed, backends: [exact.result, lance.result] };
  }
  // Seeded through the LanceDB backend: with the exact scan, every store's auto_link job scans
  // the whole tenant on the event loop, which makes seeding 100k memories take hours.
  const seeder = await startServer(serverEnv("lancedb"), dataDir);
  let key: string;
  let seed;
  try {
    key = await bootstrap(seeder.url);
    const c = api(seeder.url, key);
    await loaded(c);
    // The tenant's table is created by its first search; stores before it would be picked up from SQLite anyway.
    await timedSearch(c, "warm-up");
    seed = { ...(await store(c, data, 0, size, SEED_CONCURRENCY)).rate } as Record<string, unknown>;
    if (size >= ANN_MIN_ROWS) {
      // The last index build has trained on more than half the rows (the next would start at twice as many).
      const t0 = performance.now();
      await waitFor(() => logged(seeder, "vector table ANN index built").find((r) => (r.rows ?? 0) * 2 > size), "the ANN index", 60 * 60_000);
      seed.waited_for_ann_index_seconds = round((performance.now() - t0) / 1000);
    }
    seed.lance_maintenance = maintenanceLogs(seeder);
    seed.memory_end = memoryMb(seeder.proc.pid!);
  } finally {
    await seeder.stop();
  }
  const exact = await measureBackend("exact", size, dataDir, key, data, q);
  const lance = await measureBackend("lancedb", size, dataDir, key, data, q, exact.top);
  fs.rmSync(dataDir, { recursive: true, force: true });
  return { memories: size, seed, backends: [exact.result, lance.result] };
}

export async function runLatencyBench(): Promise<object> {
  const sizes = (process.env.BENCH_SIZES ?? "10000,100000").split(",").map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`BENCH_SIZES must be positive integers, got ${process.env.BENCH_SIZES}`);
  const t0 = performance.now();
  const data = await corpus();
  const runs: Awaited<ReturnType<typeof runSize>>[] = [];
  let storeRates: Awaited<ReturnType<typeof storeThroughput>> | "not measured (BENCH_STORES=0)" = "not measured (BENCH_STORES=0)";
  const out = path.join(ROOT, "bench/results", process.env.BENCH_LATENCY_OUT ?? "latency.json");
  const report = () => ({
    measured_at: new Date().toISOString(),
    machine: "2 shared cores; other work ran on them at the same time, so these are upper bounds",
    model: "use-lite-512 (query embedding by the server, included in every search latency)",
    data:
      `one tenant; LoCoMo dev turns (${data.texts.length} distinct) recycled with the year shifted per cycle, stored with ` +
      `precomputed vectors: the turns' USE-lite vectors plus Gaussian noise (cosine ≈ 0.95); queries are LoCoMo dev questions`,
    settings: {
      seed_concurrency: SEED_CONCURRENCY,
      single_client_queries: SINGLE_QUERIES,
      clients: CLIENTS,
      queries_per_client: QUERIES_PER_CLIENT,
      lance_threshold: LANCE_THRESHOLD,
      throughput_stores: THROUGHPUT_STORES,
      short_memory_max_chars: SHORT_CHARS,
    },
    store_throughput: storeRates,
    runs,
    runtime_seconds: round((performance.now() - t0) / 1000),
  });
  if (process.env.BENCH_STORES !== "0") {
    console.log(`latency: store throughput, ${THROUGHPUT_STORES} short memories from 1 and ${CLIENTS} clients…`);
    storeRates = await storeThroughput(data);
    fs.writeFileSync(out, JSON.stringify(report(), null, 2) + "\n");
  }
  for (const size of sizes) {
    console.log(`latency: ${size} memories…`);
    runs.push(await runSize(size, data));
    // Written after each size, so a long run leaves its finished sizes behind.
    fs.writeFileSync(out, JSON.stringify(report(), null, 2) + "\n");
  }
  console.log(`written to ${out}`);
  return report();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runLatencyBench();
