/**
 * Trains the search ranker (packages/core/src/search/ranker/weights.json): a logistic
 * regression over the features core computes for each of the top 50 fused candidates.
 *
 * Each LoCoMo conversation and the agent-memory set is stored in its own temporary database
 * through core (createEngram, the real USE-lite embedder), so BM25 and IDF statistics are
 * each tenant's own; memory vectors are embedded once and cached under /tmp. Every question
 * is searched with the ranker off, and its candidates' features and labels (is it evidence?)
 * are collected. Folds never split a conversation: each LoCoMo conversation is one fold,
 * and the agent-memory queries form five folds by the memory they look for (queries about
 * one memory share a fold), so no question is ever scored by a model fitted to it. Both
 * sets train the model: LoCoMo's 760 questions would drown the agent set's 80, so each set
 * gets a fixed share of the training weight (AGENT_SHARE), spread evenly over its questions.
 * The figures printed are cross-validated, then in-sample; the weights written are fitted
 * on everything.
 *
 *   npx tsx scripts/train-ranker.ts            cross-validate, print, write the weights
 *   npx tsx scripts/train-ranker.ts --eval     only measure the current pipeline (ranker as shipped)
 *
 * The features do not depend on the weights (they describe the fused ranking, before the
 * ranker), so candidates are collected with the shipped ranker on; "fusion only" orders them
 * by their fused score, as the pipeline does with ENGRAM_SEARCH_RANKER=off.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createEngram, loadConfig, RANKER_FEATURES, storeInputSchema, type Engram, type SearchResult } from "@engram/core";
import { loadAgentMemory, loadLocomo, locomoTurns } from "../bench/datasets.js";

const WEIGHTS = path.resolve(import.meta.dirname, "../packages/core/src/search/ranker/weights.json");
const CACHE = path.join(os.tmpdir(), "engram-ranker-cache");
const CANDIDATES = 50;
const EVAL = process.argv.includes("--eval");
const AGENT_FOLDS = 5;
/**
 * The agent-memory set's share of the training weight (LoCoMo has the rest). Measured with
 * every question alike (the agent set then weighs 80/840), 0.3 and 0.5: README, Benchmarks,
 * "Paraphrases".
 */
const AGENT_SHARE = 0.3;

interface Question {
  /** The fold: a LoCoMo conversation, or a cluster of agent-memory queries. */
  group: string;
  dataset: "locomo" | "agent";
  kind: string;
  relevant: Set<number>;
  /** The served ranking (ids, best first). */
  served: number[];
  /** The candidates with the ranker off: fused order, features. */
  candidates: { id: number; features: number[] }[];
  /** The vector channel alone, for the "never below its own channel" check. */
  vectorOnly: number[];
  /** Whether the served search answered (did not abstain). */
  anyWord: boolean;
}

function engramAt(dir: string, ranker: boolean): Engram {
  return createEngram(
    loadConfig({ ENGRAM_DATA_DIR: dir, ENGRAM_EMBEDDING_PROVIDER: "use-lite", ENGRAM_SEARCH_RANKER: ranker ? "on" : "off", ENGRAM_RERANKER_ENABLED: "false" }),
  );
}

/** USE-lite vectors of the texts, cached by the hash of the texts. */
async function vectorsOf(engram: Engram, texts: string[]): Promise<Float32Array[]> {
  fs.mkdirSync(CACHE, { recursive: true });
  const file = path.join(CACHE, crypto.createHash("sha256").update(texts.join("\u0000")).digest("hex").slice(0, 16) + ".json");
  if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, "utf8")) as number[][]).map((v) => Float32Array.from(v));
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += 32) out.push(...((await engram.embedding.embed(texts.slice(i, i + 32))) ?? []));
  fs.writeFileSync(file, JSON.stringify(out.map((v) => [...v])));
  return out;
}

/** One tenant's store in its own database: stores the items, runs the queries. */
async function runTenant(
  items: { key: string; content: string; session?: string }[],
  queries: { query: string; relevant: string[]; group: string; dataset: Question["dataset"]; kind: string }[],
): Promise<Question[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engram-ranker-"));
  const served = engramAt(dir, true);
  try {
    await served.embedding.start();
    const user = served.auth.bootstrap(undefined, undefined, undefined).user.id;
    const vectors = await vectorsOf(served, items.map((i) => i.content));
    const ids = new Map<string, number>();
    items.forEach((item, i) => {
      const r = served.memories.store(user, storeInputSchema.parse({ content: item.content, session_id: item.session }), vectors[i]!);
      ids.set(item.key, r.kind === "stored" ? r.memory.id : r.existingId);
    });
    const out: Question[] = [];
    for (const q of queries) {
      const relevant = new Set(q.relevant.flatMap((r) => (ids.has(r) ? [ids.get(r)!] : [])));
      if (relevant.size === 0) continue;
      const result: SearchResult = await served.search.search(user, { query: q.query, limit: CANDIDATES });
      const vector = await served.search.search(user, { query: q.query, limit: 10, channels: ["vector"] });
      out.push({
        group: q.group,
        dataset: q.dataset,
        kind: q.kind,
        relevant,
        served: result.hits.map((h) => h.memory.id),
        candidates: result.hits.flatMap((h) => (h.ranker ? [{ id: h.memory.id, features: h.ranker.features }] : [])),
        vectorOnly: vector.hits.map((h) => h.memory.id),
        anyWord: !result.abstained,
      });
    }
    return out;
  } finally {
    await served.embedding.close();
    served.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function collect(): Promise<Question[]> {
  const questions: Question[] = [];
  const agent = loadAgentMemory();
  // Agent-memory queries fold by the number of their first relevant memory (ids "m1".."m120").
  const fold = (id: string) => Number(id.replace(/\D/g, "")) % AGENT_FOLDS;
  questions.push(
    ...(await runTenant(
      agent.memories.map((m) => ({ key: m.id, content: m.content })),
      agent.queries.map((q) => ({ query: q.query, relevant: q.relevant, dataset: "agent", kind: q.kind, group: `agent/${fold(q.relevant[0]!)}` })),
    )),
  );
  for (const conv of loadLocomo()) {
    const turns = locomoTurns(conv);
    questions.push(
      ...(await runTenant(
        turns.map((t) => ({ key: t.diaId, content: t.content, session: `${conv.sample_id}/${t.diaId.split(":")[0]}` })),
        conv.qa
          .filter((q) => q.category >= 1 && q.category <= 4)
          .map((q) => ({ query: q.question, relevant: q.evidence, dataset: "locomo", kind: String(q.category), group: conv.sample_id })),
      )),
    );
  }
  return questions;
}

// ---- logistic regression (standardized features, L2, gradient descent) ----

interface Model {
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
}

const L2 = 1e-3;

function fit(rows: { x: number[]; y: number; w: number }[]): Model {
  const n = RANKER_FEATURES.length;
  const totalW = rows.reduce((a, r) => a + r.w, 0);
  const mean = Array.from({ length: n }, (_, j) => rows.reduce((a, r) => a + r.w * r.x[j]!, 0) / totalW);
  const std = Array.from({ length: n }, (_, j) => Math.sqrt(rows.reduce((a, r) => a + r.w * (r.x[j]! - mean[j]!) ** 2, 0) / totalW) || 1);
  // Standardized features in one flat array: the 600 passes below dominate the run time.
  const z = new Float64Array(rows.length * n);
  rows.forEach((r, i) => r.x.forEach((v, j) => (z[i * n + j] = (v - mean[j]!) / std[j]!)));
  const w = new Float64Array(n);
  const gw = new Float64Array(n);
  let b = 0;
  const lr = 0.5;
  for (let it = 0; it < 600; it++) {
    gw.fill(0);
    let gb = 0;
    rows.forEach((r, i) => {
      let s = b;
      for (let j = 0; j < n; j++) s += z[i * n + j]! * w[j]!;
      const g = (r.w / totalW) * (1 / (1 + Math.exp(-s)) - r.y);
      for (let j = 0; j < n; j++) gw[j]! += g * z[i * n + j]!;
      gb += g;
    });
    for (let j = 0; j < n; j++) w[j]! -= lr * (gw[j]! + L2 * w[j]!);
    b -= lr * gb;
  }
  return { mean, std, weights: [...w], bias: b };
}

const score = (m: Model, x: number[]) => m.bias + x.reduce((a, v, j) => a + (m.weights[j]! * (v - m.mean[j]!)) / m.std[j]!, 0);

/**
 * Training rows: each set weighs its share, each question of a set the same whatever its
 * number of candidates and evidence turns.
 */
function rowsOf(qs: Question[]) {
  const agent = qs.filter((q) => q.dataset === "agent").length;
  const share = (q: Question) => (q.dataset === "agent" ? AGENT_SHARE / agent : (1 - AGENT_SHARE) / (qs.length - agent));
  return qs.flatMap((q) => q.candidates.map((c) => ({ x: c.features, y: q.relevant.has(c.id) ? 1 : 0, w: share(q) / q.candidates.length })));
}

const reorder = (m: Model, q: Question) => [...q.candidates].sort((a, b) => score(m, b.features) - score(m, a.features)).map((c) => c.id);

// ---- metrics ----

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const recallAt = (ranking: number[], rel: Set<number>, k: number) => [...rel].filter((e) => ranking.slice(0, k).includes(e)).length / rel.size;
const hitAt = (ranking: number[], rel: Set<number>, k: number) => (ranking.slice(0, k).some((id) => rel.has(id)) ? 1 : 0);

function report(label: string, qs: Question[], ranking: (q: Question) => number[]) {
  const loco = qs.filter((q) => q.dataset === "locomo");
  const agent = qs.filter((q) => q.dataset === "agent");
  const kinds = ["paraphrase", "exact", "mixed"];
  return {
    label,
    locomo: Object.fromEntries(["all", "1", "2", "3", "4"].map((c) => {
      const s = loco.filter((q) => c === "all" || q.kind === c);
      return [c, { "R@1": r3(mean(s.map((q) => recallAt(ranking(q), q.relevant, 1)))), "R@5": r3(mean(s.map((q) => recallAt(ranking(q), q.relevant, 5)))), "R@10": r3(mean(s.map((q) => recallAt(ranking(q), q.relevant, 10)))) }];
    })),
    agent: Object.fromEntries(kinds.map((k) => {
      const s = agent.filter((q) => q.kind === k);
      return [k, { n: s.length, "hit@1": r3(mean(s.map((q) => hitAt(ranking(q), q.relevant, 1)))), "hit@3": r3(mean(s.map((q) => hitAt(ranking(q), q.relevant, 3)))) }];
    })),
  };
}

const questions = await collect();
console.log(JSON.stringify(report("served", questions, (q) => q.served)));
console.log(JSON.stringify(report("vector only", questions, (q) => q.vectorOnly)));
const FUSED = RANKER_FEATURES.indexOf("fused");
console.log(JSON.stringify(report("fusion only", questions, (q) => [...q.candidates].sort((a, b) => b.features[FUSED]! - a.features[FUSED]!).map((c) => c.id))));
const noWord = questions.filter((q) => !q.anyWord);
console.log(`dev questions abstained: ${noWord.length} of ${questions.length}`);
if (!EVAL) {
  const groups = [...new Set(questions.map((q) => q.group))];
  const cv = new Map<Question, number[]>();
  for (const g of groups) {
    const model = fit(rowsOf(questions.filter((q) => q.group !== g)));
    for (const q of questions.filter((q) => q.group === g)) cv.set(q, reorder(model, q));
  }
  console.log(JSON.stringify(report("ranker, cross-validated (leave one conversation / cluster out)", questions, (q) => cv.get(q)!)));
  const model = fit(rowsOf(questions));
  console.log(JSON.stringify(report("ranker, in-sample (fitted on every question)", questions, (q) => reorder(model, q))));
  const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
  fs.writeFileSync(
    WEIGHTS,
    JSON.stringify({ features: RANKER_FEATURES, mean: model.mean.map(round6), std: model.std.map(round6), weights: model.weights.map(round6), bias: round6(model.bias) }, null, 2) + "\n",
  );
  console.log(`weights written to ${WEIGHTS}`);
  console.log(RANKER_FEATURES.map((f, i) => `${f}: ${r3(model.weights[i]!)}`).join(", "));
}
