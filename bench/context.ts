/**
 * Context benchmark through the public HTTP API of a real server: for each LoCoMo dev question
 * (categories 1-4), the share of its evidence turns whose text is in the context that
 * POST /context assembles within 1,000 tokens, beside a naive packing of the same budget:
 * BM25's best turns (POST /search with channels ["fts"]) taken whole, best first, each that
 * still fits, counted with the same token counter. Each LoCoMo conversation is its own tenant.
 *
 * BENCH_BASELINE_SERVER=<another build's apps/server/bin/engram-server.js> measures that build
 * first, in the same run (the README's "before" is main's build). BENCH_CONTEXT_BUDGET changes
 * the budget; ENGRAM_* variables in this process's environment are passed to the servers.
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { countTokens } from "@engram/core";
import { api, bootstrap, ROOT, SERVER_BIN, startServer } from "../test/support/server.js";
import { loadLocomo, locomoTurns } from "./datasets.js";

type Client = ReturnType<typeof api>;
const BUDGET = Number(process.env.BENCH_CONTEXT_BUDGET ?? 1000);
/** Enough BM25 hits that the naive packing never runs out before the budget does. */
const NAIVE_HITS = 100;

const collapse = (s: string) => s.replace(/\s+/g, " ").trim();
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : 0;
};
const round = (x: number) => Math.round(x * 1000) / 1000;

async function until(check: () => Promise<boolean>) {
  while (!(await check())) await new Promise((r) => setTimeout(r, 250));
}

/** Embeddings and background jobs (auto-linking) done, so /context sees what /store was given. */
async function settled(admin: Client) {
  await until(async () => {
    const info = (await admin.get("/admin/embedding-info")).body;
    return info.status === "disabled" || (info.status === "loaded" && info.pending === 0);
  });
  await until(async () => {
    const res = await admin.get("/jobs/stats");
    if (res.status !== 200) return true;
    const b = res.body as { pending?: number; running?: number; by_status?: Record<string, number> };
    return (b.pending ?? b.by_status?.pending ?? 0) + (b.running ?? b.by_status?.running ?? 0) === 0;
  });
}

/** BM25's best turns, whole, best first, each one that still fits the budget. */
function naivePacking(contents: string[]): string {
  let packed = "";
  for (const content of contents) {
    const next = `${packed}${content}\n`;
    if (countTokens(next) <= BUDGET) packed = next;
  }
  return packed;
}

interface Row {
  category: number;
  context: number;
  naive: number;
  tokens: number;
}

async function measure(bin: string) {
  const passthrough = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("ENGRAM_")) as [string, string][]);
  const server = await startServer({ ENGRAM_RATE_LIMIT_ENABLED: "0", ...passthrough }, undefined, bin);
  const rows: Row[] = [];
  const t0 = performance.now();
  try {
    const admin = api(server.url, await bootstrap(server.url));
    for (const conv of loadLocomo()) {
      const user = (await admin.post("/users", { username: `locomo-${conv.sample_id}` })).body;
      const c = api(server.url, (await admin.post("/keys", { user_id: user.id })).body.key);
      // The utterance alone: a context may print the date and speaker once for several turns.
      const said = new Map<string, string>();
      for (let n = 1; conv.conversation[`session_${n}`]; n++) {
        for (const t of conv.conversation[`session_${n}`] as { dia_id: string; text: string }[]) said.set(t.dia_id, collapse(t.text));
      }
      // In order, one at a time, each LoCoMo session one agent session, as bench/retrieval.ts stores them.
      for (const t of locomoTurns(conv)) {
        const res = await c.post("/store", { content: t.content, session_id: `${conv.sample_id}/${t.diaId.split(":")[0]}` });
        if (res.status !== 201 && res.status !== 200) throw new Error(`store failed: ${res.status} ${JSON.stringify(res.body)}`);
      }
      await settled(admin);
      for (const qa of conv.qa.filter((q) => q.category >= 1 && q.category <= 4)) {
        const evidence = qa.evidence.flatMap((d) => (said.has(d) ? [said.get(d)!] : []));
        if (evidence.length === 0) continue;
        const ctx = await c.post("/context", { query: qa.question, max_tokens: BUDGET });
        if (ctx.status !== 200) throw new Error(`context failed: ${ctx.status} ${JSON.stringify(ctx.body)}`);
        const bm25 = await c.post("/search", { query: qa.question, limit: NAIVE_HITS, channels: ["fts"] });
        if (bm25.status !== 200) throw new Error(`search failed: ${bm25.status} ${JSON.stringify(bm25.body)}`);
        const naive = naivePacking((bm25.body.results as { content: string }[]).map((r) => r.content));
        const share = (text: string) => evidence.filter((e) => collapse(text).includes(e)).length / evidence.length;
        rows.push({ category: qa.category, context: share(ctx.body.context), naive: share(naive), tokens: ctx.body.token_estimate });
      }
    }
  } finally {
    await server.stop();
  }
  const summary = (get: (r: Row) => number) =>
    Object.fromEntries((["all", 1, 2, 3, 4] as const).map((cat) => [String(cat), round(mean(rows.filter((r) => cat === "all" || r.category === cat).map(get)))]));
  return {
    questions: rows.length,
    evidence_in_context: summary((r) => r.context),
    evidence_in_naive_bm25_packing: summary((r) => r.naive),
    median_context_tokens: median(rows.map((r) => r.tokens)),
    seconds: round((performance.now() - t0) / 1000),
  };
}

export async function runContextBench() {
  const baselineBin = process.env.BENCH_BASELINE_SERVER;
  const result = {
    benchmark: "context",
    measured_at: new Date().toISOString(),
    budget_tokens: BUDGET,
    dataset: "LoCoMo dev, categories 1-4; an evidence turn counts when its text is in the context",
    ...(baselineBin ? { baseline: { server: path.relative(ROOT, baselineBin), ...(await measure(baselineBin)) } } : {}),
    current: await measure(SERVER_BIN),
  };
  const out = path.join(ROOT, "bench/results", process.env.BENCH_OUT ?? "context.json");
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify(result, null, 1));
  console.log(`written to ${out}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runContextBench();
