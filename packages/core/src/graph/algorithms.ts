import { createRequire } from "node:module";
import { DirectedGraph } from "graphology";
import { edgeWeight } from "./neighbors.js";

// Both are CommonJS (`module.exports = fn`) with `export default` typings, which an ESM
// default import types as the module object: load them with require, typed by their d.ts.
const require = createRequire(import.meta.url);
const louvain: typeof import("graphology-communities-louvain").default = require("graphology-communities-louvain");
const pagerank: typeof import("graphology-metrics/centrality/pagerank.js").default = require("graphology-metrics/centrality/pagerank.js");

export interface EdgeInput {
  source: number;
  target: number;
  type: string;
  similarity: number;
}

export type MemoryGraph = DirectedGraph<Record<string, never>, { weight: number }>;

/**
 * A tenant's memory graph: a node per memory, a weighted arc per link (weights as in the
 * graph search channel). Typed links point the way they read ("A extends B": A → B, so B
 * gains rank); a similarity link is symmetric and becomes an arc each way. Two links
 * between the same pair add up. Links to memories not in `nodes` are left out.
 */
export function buildGraph(nodes: readonly number[], edges: readonly EdgeInput[]): { graph: MemoryGraph; links: number } {
  const known = new Set(nodes);
  // Weights are summed first and each arc added once: adding to graphology is the costly part.
  const weights = new Map<number, Map<number, number>>();
  const arc = (s: number, t: number, w: number) => {
    let out = weights.get(s);
    if (!out) weights.set(s, (out = new Map()));
    out.set(t, (out.get(t) ?? 0) + w);
  };
  let links = 0;
  for (const e of edges) {
    const w = edgeWeight(e.type, e.similarity);
    if (e.source === e.target || w <= 0 || !known.has(e.source) || !known.has(e.target)) continue;
    arc(e.source, e.target, w);
    if (e.type === "similarity") arc(e.target, e.source, w);
    links++;
  }
  const graph: MemoryGraph = new DirectedGraph({ allowSelfLoops: false });
  for (const id of nodes) graph.addNode(String(id));
  for (const [s, out] of weights) for (const [t, weight] of out) graph.addDirectedEdge(String(s), String(t), { weight });
  return { graph, links };
}

/**
 * Weighted PageRank (damping 0.85), scaled so the top memory scores 1. Iterates until the
 * scores move less than 1e-4 in total (graphology compares the L1 change with N·tolerance).
 */
export function rankNodes(graph: MemoryGraph): Map<number, number> {
  if (graph.order === 0) return new Map();
  const raw = pagerank(graph, { getEdgeWeight: "weight", alpha: 0.85, maxIterations: 1000, tolerance: 1e-4 / graph.order });
  let max = 0;
  for (const v of Object.values(raw)) max = Math.max(max, v);
  return new Map(Object.entries(raw).map(([k, v]) => [Number(k), max > 0 ? v / max : 0]));
}

/** Deterministic generator for Louvain's node order, so a tenant's communities are stable run to run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Partition {
  /** Memory id → community index (0-based, as Louvain numbers them). */
  membership: Map<number, number>;
  modularity: number;
}

/** Louvain communities over the weighted graph; memories without links end up alone. */
export function detectCommunities(graph: MemoryGraph, seed: number): Partition {
  if (graph.size === 0) {
    return { membership: new Map(graph.nodes().map((n, i) => [Number(n), i])), modularity: 0 };
  }
  const result = louvain.detailed(graph, { getEdgeWeight: "weight", rng: mulberry32(seed), resolution: 1 });
  return {
    membership: new Map(Object.entries(result.communities).map(([k, c]) => [Number(k), c])),
    modularity: result.modularity,
  };
}
