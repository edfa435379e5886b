/**
 * Retrieval benchmark through the public HTTP API of a real server: LoCoMo evidence recall@k
 * and agent-memory hit@k / MRR, for BM25 only, vector only, the full pipeline, the full
 * pipeline with reciprocal-rank fusion instead of score fusion, and the pipeline with each
 * channel left out. ENGRAM_* variables in this process's environment are passed to the server.
 */
import fs from "node:fs";
import path from "node:path";
import { CHANNELS, RRF_WEIGHTS, TYPE_WEIGHTS, type ChannelName } from "@engram/core";
import { api, bootstrap, ROOT, startServer } from "../test/support/server.js";
import { loadAgentMemory, loadLocomo, locomoTurns } from "./datasets.js";

type Client = ReturnType<typeof api>;
interface ModeSpec {
  channels?: ChannelName[];
  fusion?: "score" | "rrf";
}
const MODES: Record<string, ModeSpec> = {
  fts: { channels: ["fts"] },
  vector: { channels: ["vector"] },
  hybrid: {},
  hybrid_rrf: { fusion: "rrf" },
  ...Object.fromEntries(CHANNELS.map((c) => [`without_${c}`, { channels: CHANNELS.filter((x) => x !== c) }])),
};
type Mode = keyof typeof MODES;
/** BENCH_MODES=hybrid,fts limits a run to some modes (quick comparisons of a setting). */
const RUN_MODES = process.env.BENCH_MODES ? process.env.BENCH_MODES.split(",") : Object.keys(MODES);

/** Stores in order, one at a time: ids then follow the conversation, as an agent's writes would. */
async function storeAll(c: Client, items: { key: string; content: string; session_id?: string }[], concurrency = 1): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        const res = await c.post("/store", { content: item.content, session_id: item.session_id });
        if (res.status !== 201 && res.status !== 200) throw new Error(`store failed: ${res.status} ${JSON.stringify(res.body)}`);
        ids.set(item.key, res.body.id ?? res.body.existing_id);
      }
    }),
  );
  return ids;
}

async function waitForEmbeddings(admin: Client) {
  for (;;) {
    const info = (await admin.get("/admin/embedding-info")).body;
    if (info.status === "disabled" || (info.status === "loaded" && info.pending === 0)) return info;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Background work after a store (embedding, auto-linking) has finished, so searches see it all. */
async function waitForJobs(admin: Client) {
  for (;;) {
    const res = await admin.get("/jobs/stats");
    if (res.status !== 200) return;
    const body = res.body as { pending?: number; running?: number; by_status?: Record<string, number> };
    const open = (body.pending ?? body.by_status?.pending ?? 0) + (body.running ?? body.by_status?.running ?? 0);
    if (open === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function rank(c: Client, query: string): Promise<Record<Mode, number[]>> {
  const out: Record<Mode, number[]> = {};
  for (const mode of RUN_MODES) {
    const spec = MODES[mode];
    if (!spec) throw new Error(`unknown mode ${mode} in BENCH_MODES (known: ${Object.keys(MODES).join(", ")})`);
    const res = await c.post("/search", { query, limit: 10, ...spec });
    if (res.status !== 200) throw new Error(`search failed: ${res.status} ${JSON.stringify(res.body)}`);
    out[mode] = (res.body.results as { id: number }[]).map((r) => r.id);
  }
  return out;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const round = (x: number) => Math.round(x * 1000) / 1000;

async function locomo(admin: Client, url: string) {
  const perQuestion: { category: number; rankings: Record<Mode, number[]>; evidence: number[] }[] = [];
  let stored = 0;
  const t0 = performance.now();
  for (const conv of loadLocomo()) {
    const user = (await admin.post("/users", { username: `locomo-${conv.sample_id}` })).body;
    const c = api(url, (await admin.post("/keys", { user_id: user.id })).body.key);
    const turns = locomoTurns(conv);
    // Each LoCoMo session is one agent session: its turns share a session_id, as an agent's would.
    const ids = await storeAll(c, turns.map((t) => ({ key: t.diaId, content: t.content, session_id: `${conv.sample_id}/${t.diaId.split(":")[0]}` })));
    stored += turns.length;
    await waitForEmbeddings(admin);
    await waitForJobs(admin);
    for (const qa of conv.qa.filter((q) => q.category >= 1 && q.category <= 4)) {
      const evidence = qa.evidence.flatMap((d) => (ids.has(d) ? [ids.get(d)!] : []));
      if (evidence.length === 0) continue;
      perQuestion.push({ category: qa.category, rankings: await rank(c, qa.question), evidence });
    }
  }
  const recallAt = (ranking: number[], evidence: number[], k: number) => evidence.filter((e) => ranking.slice(0, k).includes(e)).length / evidence.length;
  const summarise = (get: (q: (typeof perQuestion)[number]) => number[]) => {
    const row: Record<string, Record<string, number>> = {};
    for (const cat of ["all", 1, 2, 3, 4] as const) {
      const qs = perQuestion.filter((q) => cat === "all" || q.category === cat);
      row[String(cat)] = Object.fromEntries([1, 5, 10].map((k) => [`recall@${k}`, round(mean(qs.map((q) => recallAt(get(q), q.evidence, k))))]));
    }
    return row;
  };
  const modes = Object.fromEntries(RUN_MODES.map((m) => [m, summarise((q) => q.rankings[m]!)]));
  return { questions: perQuestion.length, memories: stored, seconds: round((performance.now() - t0) / 1000), modes };
}

async function agentMemory(admin: Client, url: string) {
  const set = loadAgentMemory();
  const user = (await admin.post("/users", { username: "agent-memory" })).body;
  const c = api(url, (await admin.post("/keys", { user_id: user.id })).body.key);
  const ids = await storeAll(c, set.memories.map((m) => ({ key: m.id, content: m.content })));
  await waitForEmbeddings(admin);
  await waitForJobs(admin);
  const rows = [];
  for (const q of set.queries) rows.push({ kind: q.kind, relevant: q.relevant.map((r) => ids.get(r)!), rankings: await rank(c, q.query) });
  const metrics = (get: (r: (typeof rows)[number]) => number[]) =>
    Object.fromEntries(
      ["paraphrase", "exact", "mixed", "all"].map((kind) => {
        const rs = rows.filter((r) => kind === "all" || r.kind === kind);
        const firstHit = (r: (typeof rows)[number]) => get(r).findIndex((id) => r.relevant.includes(id));
        return [
          kind,
          {
            "hit@1": round(mean(rs.map((r) => (firstHit(r) === 0 ? 1 : 0)))),
            "hit@3": round(mean(rs.map((r) => (firstHit(r) >= 0 && firstHit(r) < 3 ? 1 : 0)))),
            "mrr@10": round(mean(rs.map((r) => (firstHit(r) >= 0 ? 1 / (firstHit(r) + 1) : 0)))),
          },
        ];
      }),
    );
  const modes = Object.fromEntries(RUN_MODES.map((m) => [m, metrics((r) => r.rankings[m]!)]));
  return { queries: rows.length, modes };
}

async function main() {
  const passthrough = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("ENGRAM_")) as [string, string][]);
  const server = await startServer({ ENGRAM_RATE_LIMIT_ENABLED: "0", ...passthrough });
  try {
    const admin = api(server.url, await bootstrap(server.url));
    const info = await waitForEmbeddings(admin);
    const result = {
      benchmark: "retrieval",
      measured_at: new Date().toISOString(),
      embedder: info.model,
      vector_min_similarity: Number(process.env.ENGRAM_VECTOR_MIN_SIMILARITY ?? 0.2),
      score_fusion_weights: TYPE_WEIGHTS,
      vector_weight_scale: Number(process.env.ENGRAM_VECTOR_WEIGHT ?? 1),
      rrf_weights: RRF_WEIGHTS,
      agent_memory: await agentMemory(admin, server.url),
      locomo: await locomo(admin, server.url),
    };
    const out = path.join(ROOT, "bench/results", process.env.BENCH_OUT ?? "retrieval.json");
    fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
    console.log(JSON.stringify({ agent_memory: result.agent_memory.modes, locomo: result.locomo.modes }, null, 1));
    console.log(`written to ${out}`);
  } finally {
    await server.stop();
  }
}

await main();
