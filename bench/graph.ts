/**
 * Knowledge-graph benchmark, in process over core (the algorithms are what is measured, not
 * HTTP): at each size in BENCH_GRAPH_SIZES (default 10000,100000) memories in one tenant,
 * - auto-link cost per store: MemoryService.store with a vector, then the auto_link job's
 *   work (AutoLinker.link: exact k-NN over the tenant's vectors, rules, inserts; and entity
 *   extraction), and the same without a vector (the lexical fallback: FTS candidates + Jaccard);
 * - a full refresh (load the graph, weighted PageRank, Louvain, write scores and communities);
 * - the search graph channel (graphNeighbors, 2 hops from 10 seeds).
 *
 * The corpus is synthetic and seeded: memories belong to topics of ~50 (a topic's words and a
 * unit vector near the topic's centre: cosine ≈ 0.64 within a topic, ≈ 0 across), and every
 * memory gets the links auto-linking makes at the default settings, written directly: up to 5
 * similarity links to earlier memories of its topic, plus a typed link (extends, caused_by,
 * prerequisite_for) for one memory in ten, a third of those to another topic. That is ~5
 * links per memory, average degree ~10. Medians (and p95) over repeated runs.
 * Run alone with `pnpm build && BENCH_GRAPH_SIZES=10000 tsx bench/graph.ts`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createEngram, createLexicalTable, lexicalTable, seededRandom, DEFAULT_GRAPH_CONFIG, graphNeighbors, simhash, storeInputSchema, type Engram } from "@engram/core";
import { ROOT, tempDir } from "../test/support/server.js";

const DIMENSION = 384;
const TOPIC_SIZE = 50;
const LINKS_PER_MEMORY = 5;
const TYPED_SHARE = 0.1;
/** Noise norm 0.75 around a unit topic centre: cosine 0.8 to the centre, ≈ 0.64 between members. */
const NOISE = 0.75;
const TYPED = ["extends", "caused_by", "prerequisite_for"] as const;
const WORDS_PER_TOPIC = 24;

function unitGaussian(rand: () => number, dim: number): Float32Array {
  const v = new Float32Array(dim);
  let norm = 0;
  for (let i = 0; i < dim; i += 2) {
    const r = Math.sqrt(-2 * Math.log(rand() || 1e-12));
    const th = 2 * Math.PI * rand();
    v[i] = r * Math.cos(th);
    if (i + 1 < dim) v[i + 1] = r * Math.sin(th);
  }
  for (let i = 0; i < dim; i++) norm += v[i]! * v[i]!;
  norm = Math.sqrt(norm);
  for (let i = 0; i < dim; i++) v[i]! /= norm;
  return v;
}

const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};
const ms = (xs: number[]) => ({ median: round(quantile(xs, 0.5)), p95: round(quantile(xs, 0.95)) });
const round = (x: number) => Math.round(x * 100) / 100;
const median = (xs: number[]) => round(quantile(xs, 0.5));

/** A generator of memories: topic words, a syllable-made vocabulary, and vectors near each topic's centre. */
function corpusGenerator(seed: number, topics: number) {
  const rand = seededRandom(seed);
  // 24 syllables, 2-4 per word: ~350k possible words, so topics rarely share one by chance.
  const syllables = "ka lo mi ren tu vax sel dor pim quo zan bel fro gri hul jex nav op sur tiv wen yul cor ath".split(" ");
  const word = () => Array.from({ length: 2 + Math.floor(rand() * 3) }, () => syllables[Math.floor(rand() * syllables.length)]).join("");
  const vocab = Array.from({ length: topics }, () => Array.from({ length: WORDS_PER_TOPIC }, word));
  const centres = Array.from({ length: topics }, () => unitGaussian(rand, DIMENSION));
  return {
    rand,
    memory(topic: number, serial: number) {
      const words = vocab[topic]!;
      const picked = Array.from({ length: 8 + Math.floor(rand() * 5) }, () => words[Math.floor(rand() * words.length)]);
      const content = `${picked.join(" ")} note ${serial}`;
      const noise = unitGaussian(rand, DIMENSION);
      const v = new Float32Array(DIMENSION);
      const c = centres[topic]!;
      let norm = 0;
      for (let i = 0; i < DIMENSION; i++) norm += (v[i] = c[i]! + NOISE * noise[i]!) ** 2;
      norm = Math.sqrt(norm);
      for (let i = 0; i < DIMENSION; i++) v[i]! /= norm;
      return { content, vector: v };
    },
  };
}

/** Writes `size` memories with vectors and their links straight into the tables, in large transactions. */
function seed(engram: Engram, userId: number, size: number, gen: ReturnType<typeof corpusGenerator>, topics: number) {
  const sqlite = engram.db.sqlite;
  const insertMemory = sqlite.prepare("INSERT INTO memories (user_id, content, simhash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)");
  // The tenant's lexical index, as the memory store's write path keeps it (the lexical auto-link reads it).
  createLexicalTable(sqlite, userId);
  const indexText = sqlite.prepare(`INSERT INTO ${lexicalTable(userId)} (rowid, content) VALUES (?, ?)`);
  const insertVector = sqlite.prepare("INSERT INTO memory_vectors (memory_id, user_id, model, dimension, vector, created_at) VALUES (?, ?, ?, ?, ?, ?)");
  const insertLink = sqlite.prepare(
    "INSERT OR IGNORE INTO memory_links (user_id, source_id, target_id, type, similarity, created_at) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const members: { id: number; vector: Float32Array }[][] = Array.from({ length: topics }, () => []);
  const model = engram.vectors.model!;
  const start = Date.parse("2025-01-06T00:00:00.000Z");
  let links = 0;
  const BATCH = 5000;
  for (let from = 0; from < size; from += BATCH) {
    sqlite.transaction(() => {
      for (let i = from; i < Math.min(size, from + BATCH); i++) {
        const at = new Date(start + i * 60_000).toISOString();
        const topic = Math.floor(gen.rand() * topics);
        const { content, vector } = gen.memory(topic, i);
        const id = Number(insertMemory.run(userId, content, simhash(content), at, at).lastInsertRowid);
        indexText.run(id, content);
        insertVector.run(id, userId, model.id, DIMENSION, Buffer.from(vector.buffer), at);
        const peers = members[topic]!;
        // What auto-linking finds: the nearest earlier members of the topic (here: a random few of them, all above the threshold).
        for (let k = 0; k < Math.min(LINKS_PER_MEMORY, peers.length); k++) {
          const peer = peers[Math.floor(gen.rand() * peers.length)]!;
          links += insertLink.run(userId, id, peer.id, "similarity", round(dot(vector, peer.vector)), at).changes;
        }
        if (gen.rand() < TYPED_SHARE && i > 0) {
          const elsewhere = gen.rand() < 1 / 3 || peers.length === 0;
          const target = elsewhere ? 1 + Math.floor(gen.rand() * i) : peers[Math.floor(gen.rand() * peers.length)]!.id;
          const type = TYPED[Math.floor(gen.rand() * TYPED.length)]!;
          if (target !== id) links += insertLink.run(userId, id, target, type, 0, at).changes;
        }
        peers.push({ id, vector });
      }
    })();
  }
  return links;
}

async function atSize(size: number) {
  const dir = tempDir("engram-graph-bench-");
  const engram = createEngram(
    {
      dbPath: path.join(dir, "engram.db"),
      dbSynchronous: "normal",
      apiKeyPepper: "",
      embedder: null,
      vectorMinSimilarity: 0.2,
      graph: { ...DEFAULT_GRAPH_CONFIG, pagerankEnabled: false },
    },
    {},
  );
  try {
    engram.vectors.activate({ id: `bench-${DIMENSION}d`, dimension: DIMENSION });
    const userId = engram.auth.createUser("bench", undefined, "writer").id;
    const topics = Math.max(3, Math.round(size / TOPIC_SIZE));
    const gen = corpusGenerator(size, topics);
    const t0 = performance.now();
    const links = seed(engram, userId, size, gen, topics);
    const seedS = (performance.now() - t0) / 1000;
    console.log(`[graph bench] ${size}: seeded ${size} memories, ${links} links in ${seedS.toFixed(1)} s`);

    // The exact index loads the tenant's vectors on its first search: warm it before timing.
    await engram.vectors.search(userId, gen.memory(0, -1).vector, 1);

    const samples = size >= 100_000 ? 100 : 300;
    const autolink = async (withVector: boolean) => {
      const store: number[] = [];
      const knn: number[] = [];
      const link: number[] = [];
      const entities: number[] = [];
      let made = 0;
      for (let s = 0; s < samples; s++) {
        const { content, vector } = gen.memory(Math.floor(gen.rand() * topics), size + s + (withVector ? 0 : samples));
        const a = performance.now();
        const r = engram.memories.store(userId, storeInputSchema.parse({ content }), withVector ? vector : null);
        const b = performance.now();
        if (r.kind !== "stored") continue;
        // The k-NN part of linking, timed on its own (the linker asks for 16 candidates at the default 5 neighbours).
        const k0 = performance.now();
        if (withVector) await engram.vectors.search(userId, vector, 16);
        knn.push(performance.now() - k0);
        const b2 = performance.now();
        const res = await engram.graph.linker.link(userId, r.memory.id);
        const c = performance.now();
        await engram.graph.entities.indexMemory(userId, r.memory.id);
        const d = performance.now();
        store.push(b - a);
        link.push(c - b2);
        entities.push(d - c);
        made += res.links;
      }
      return {
        samples: store.length,
        store_ms: ms(store),
        link_ms: ms(link),
        ...(withVector ? { knn_ms: ms(knn) } : {}),
        entities_ms: ms(entities),
        links_per_store: round(made / store.length),
      };
    };
    const vector = await autolink(true);
    const lexical = await autolink(false);
    console.log(`[graph bench] ${size}: auto-link vector ${vector.link_ms.median} ms, lexical ${lexical.link_ms.median} ms (median)`);

    const runs = size >= 100_000 ? 3 : 5;
    const refreshes = [];
    for (let r = 0; r < runs; r++) refreshes.push(await engram.graph.refresher.refresh(userId));
    const last = refreshes[refreshes.length - 1]!;
    const timing = (k: keyof typeof last.timings_ms) => median(refreshes.map((r) => r.timings_ms[k]));
    console.log(`[graph bench] ${size}: refresh ${timing("total")} ms (pagerank ${timing("pagerank")}, louvain ${timing("louvain")})`);

    const latest = (engram.db.sqlite.prepare("SELECT id FROM memories WHERE user_id = ? AND is_latest = 1").raw().all(userId) as [number][]).map((r) => r[0]);
    const neighbours: number[] = [];
    for (let q = 0; q < 200; q++) {
      const seeds = Array.from({ length: 10 }, () => latest[Math.floor(gen.rand() * latest.length)]!);
      const a = performance.now();
      graphNeighbors(engram.db, userId, seeds, { hops: 2, limit: 50 });
      neighbours.push(performance.now() - a);
    }

    return {
      memories: last.nodes,
      links: last.edges,
      average_degree: round((2 * links) / size),
      topics,
      seed_s: round(seedS),
      autolink: { vector, lexical },
      refresh: {
        runs,
        load_ms: timing("load"),
        build_ms: timing("build"),
        pagerank_ms: timing("pagerank"),
        louvain_ms: timing("louvain"),
        persist_ms: timing("persist"),
        total_ms: timing("total"),
        // Build, PageRank and Louvain run on a worker thread; reading the graph and writing the results block the server.
        main_thread_ms: median(refreshes.map((r) => r.timings_ms.load + r.timings_ms.persist)),
        communities: last.communities,
        modularity: Math.round(last.modularity * 1000) / 1000,
      },
      graph_neighbors_ms: ms(neighbours),
    };
  } finally {
    await engram.jobs.stop();
    await engram.vectors.close();
    engram.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function runGraphBench(): Promise<object> {
  const sizes = (process.env.BENCH_GRAPH_SIZES ?? "10000,100000").split(",").map(Number).filter((n) => n > 0);
  const results = [];
  for (const size of sizes) results.push(await atSize(size));
  const result = {
    benchmark: "graph",
    measured_at: new Date().toISOString(),
    // The load average says whether other work shared the CPUs while this ran.
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? "unknown", node: process.version, load_average_at_end: os.loadavg().map(round) },
    settings: {
      dimension: DIMENSION,
      vector_index: "exact in-memory scan",
      autolink_min_similarity: DEFAULT_GRAPH_CONFIG.autoLinkMinSimilarity,
      autolink_max_neighbors: DEFAULT_GRAPH_CONFIG.autoLinkMaxNeighbors,
      links_per_memory: LINKS_PER_MEMORY,
      typed_share: TYPED_SHARE,
    },
    sizes: results,
  };
  const out = path.join(ROOT, "bench/results/graph.json");
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
  console.log(`written to ${out}`);
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runGraphBench();
