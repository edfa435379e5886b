/**
 * Retrieval benchmark through the public HTTP API of a real server: LoCoMo evidence recall@k
 * and agent-memory hit@k / MRR, for the lexical channel, the vector channel and the hybrid.
 * A fusion grid over the channel rankings shows how the chosen weights compare (it uses
 * core's own fuse(), so it is the server's fusion step on the same inputs).
 * ENGRAM_* variables in this process's environment are passed to the server.
 */
import fs from "node:fs";
import path from "node:path";
import { CHANNEL_WEIGHTS, fuse } from "@engram/core";
import { api, bootstrap, ROOT, startServer } from "../test/support/server.js";
import { loadAgentMemory, loadLocomo, locomoTurns } from "./datasets.js";

type Client = ReturnType<typeof api>;
type Mode = "fts" | "vector" | "hybrid";
const MODES: Record<Mode, string[] | undefined> = { fts: ["fts"], vector: ["vector"], hybrid: undefined };
const GRID_WEIGHTS = [0.1, 0.25, 0.5, 0.75, 1];
const GRID_FLOORS = [-1, 0.2, 0.3, 0.4, 0.5];

async function storeAll(c: Client, items: { key: string; content: string }[], concurrency = 4): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        const res = await c.post("/store", { content: item.content });
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

interface Ranked {
  ids: number[];
  channels: { fts: { id: number; score: number }[]; vector: { id: number; score: number }[] };
}

async function rank(c: Client, query: string): Promise<Record<Mode, number[]> & { raw: Ranked["channels"] }> {
  const out = { raw: { fts: [], vector: [] } } as unknown as Record<Mode, number[]> & { raw: Ranked["channels"] };
  for (const mode of Object.keys(MODES) as Mode[]) {
    const res = await c.post("/search", { query, limit: mode === "hybrid" ? 10 : 50, channels: MODES[mode] });
    if (res.status !== 200) throw new Error(`search failed: ${res.status} ${JSON.stringify(res.body)}`);
    const results = res.body.results as { id: number; score: number; channels: Record<string, { score: number }> }[];
    out[mode] = results.slice(0, 10).map((r) => r.id);
    if (mode !== "hybrid") out.raw[mode] = results.map((r) => ({ id: r.id, score: r.channels[mode]!.score }));
  }
  return out;
}

function fuseGrid(raw: Ranked["channels"], weight: number, floor: number): number[] {
  return fuse([
    { channel: "fts", weight: CHANNEL_WEIGHTS.fts, hits: raw.fts },
    { channel: "vector", weight, hits: raw.vector.filter((h) => h.score >= floor) },
  ])
    .slice(0, 10)
    .map((f) => f.id);
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const round = (x: number) => Math.round(x * 1000) / 1000;

async function locomo(admin: Client, url: string) {
  const perQuestion: { category: number; rankings: Record<Mode, number[]> & { raw: Ranked["channels"] }; evidence: number[] }[] = [];
  let stored = 0;
  const t0 = performance.now();
  for (const conv of loadLocomo()) {
    const user = (await admin.post("/users", { username: `locomo-${conv.sample_id}` })).body;
    const c = api(url, (await admin.post("/keys", { user_id: user.id })).body.key);
    const turns = locomoTurns(conv);
    const ids = await storeAll(c, turns.map((t) => ({ key: t.diaId, content: t.content })));
    stored += turns.length;
    await waitForEmbeddings(admin);
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
  const modes = Object.fromEntries((Object.keys(MODES) as Mode[]).map((m) => [m, summarise((q) => q.rankings[m])]));
  const grid = GRID_FLOORS.flatMap((floor) =>
    GRID_WEIGHTS.map((w) => ({ vector_weight: w, floor, "recall@5": summarise((q) => fuseGrid(q.rankings.raw, w, floor)).all!["recall@5"] })),
  );
  return { questions: perQuestion.length, memories: stored, store_seconds: round((performance.now() - t0) / 1000), modes, grid };
}

async function agentMemory(admin: Client, url: string) {
  const set = loadAgentMemory();
  const user = (await admin.post("/users", { username: "agent-memory" })).body;
  const c = api(url, (await admin.post("/keys", { user_id: user.id })).body.key);
  const ids = await storeAll(c, set.memories.map((m) => ({ key: m.id, content: m.content })));
  await waitForEmbeddings(admin);
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
  const modes = Object.fromEntries((Object.keys(MODES) as Mode[]).map((m) => [m, metrics((r) => r.rankings[m])]));
  const grid = GRID_FLOORS.flatMap((floor) =>
    GRID_WEIGHTS.map((w) => {
      const m = metrics((r) => fuseGrid(r.rankings.raw, w, floor));
      return { vector_weight: w, floor, paraphrase_hit3: m.paraphrase!["hit@3"], exact_hit1: m.exact!["hit@1"], mixed_hit3: m.mixed!["hit@3"] };
    }),
  );
  return { queries: rows.length, modes, grid };
}

async function main() {
  const passthrough = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("ENGRAM_")) as [string, string][]);
  const server = await startServer({ ENGRAM_RATE_LIMIT_ENABLED: "0", ...passthrough });
  try {
    const admin = api(server.url, await bootstrap(server.url));
    const info = await waitForEmbeddings(admin);
    const result = {
      measured_at: new Date().toISOString(),
      embedder: info.model,
      vector_min_similarity: Number(process.env.ENGRAM_VECTOR_MIN_SIMILARITY ?? 0.2),
      channel_weights: CHANNEL_WEIGHTS,
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
