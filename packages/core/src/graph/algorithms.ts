import { createRequire } from "node:module";
import { DirectedGraph } from "graphology";
import { edgeWeight } from "./neighbors.js";
import { seededRandom } from "../util/index.js";

// Both are CommonJS (`module.exports = fn`) with `export default` typings, which an ESM
// default import types as the module object: load them with require, typed by their d.ts.
const require = createRequire(import.meta.url);
const louvain: typeof import("graphology-communities-louvain").default = require("graphology-communities-louvain");
const pagerank: typeof import("graphology-metrics/centrality/pagerank.js").default = require("graphology-metrics/centrality/pagerank.js");

/**
 * A tenant's memory graph as flat arrays, one entry per link, so it can be handed to a
 * worker thread without copying object by object. Weights are the graph search channel's
 * (neighbors.ts); `symmetric` marks similarity links.
 */
export interface GraphData {
  nodes: Float64Array<ArrayBuffer>;
  sources: Float64Array<ArrayBuffer>;
  targets: Float64Array<ArrayBuffer>;
  weights: Float64Array<ArrayBuffer>;
  symmetric: Uint8Array<ArrayBuffer>;
}

/** Packs memory ids and links (source, target, type, similarity) into GraphData. */
export function graphData(nodes: readonly number[], links: readonly (readonly [number, number, string, number])[]): GraphData {
  const data: GraphData = {
    nodes: Float64Array.from(nodes),
    sources: new Float64Array(links.length),
    targets: new Float64Array(links.length),
    weights: new Float64Array(links.length),
    symmetric: new Uint8Array(links.length),
  };
  links.forEach(([source, target, type, similarity], i) => {
    data.sources[i] = source;
    data.targets[i] = target;
    data.weights[i] = edgeWeight(type, similarity);
    data.symmetric[i] = type === "similarity" ? 1 : 0;
  });
  return data;
}

type MemoryGraph = DirectedGraph<Record<string, never>, { weight: number }>;

/**
 * The graphology graph: typed links point the way they read ("A extends B": A → B, so B
 * gains rank); a similarity link is symmetric and becomes an arc each way; two links
 * between the same pair add up. Links to memories outside `nodes` are left out. Weights are
 * summed first and each arc added once: adding to graphology is the costly part.
 */
function toGraphology(data: GraphData): { graph: MemoryGraph; links: number } {
  const known = new Set(data.nodes);
  const weights = new Map<number, Map<number, number>>();
  const arc = (s: number, t: number, w: number) => {
    let out = weights.get(s);
    if (!out) weights.set(s, (out = new Map()));
    out.set(t, (out.get(t) ?? 0) + w);
  };
  let links = 0;
  for (let i = 0; i < data.sources.length; i++) {
    const s = data.sources[i]!;
    const t = data.targets[i]!;
    const w = data.weights[i]!;
    if (s === t || w <= 0 || !known.has(s) || !known.has(t)) continue;
    arc(s, t, w);
    if (data.symmetric[i]) arc(t, s, w);
    links++;
  }
  const graph: MemoryGraph = new DirectedGraph({ allowSelfLoops: false });
  for (const id of data.nodes) graph.addNode(String(id));
  for (const [s, out] of weights) for (const [t, weight] of out) graph.addDirectedEdge(String(s), String(t), { weight });
  return { graph, links };
}

export interface Analysis {
  /** Links between the nodes (a similarity link counts once). */
  links: number;
  /** PageRank per node, in `nodes` order, scaled so the top one is 1 (empty when not asked for). */
  ranks: Float64Array<ArrayBuffer>;
  /** Louvain community index (0-based) per node, in `nodes` order (empty when not asked for). */
  membership: Int32Array<ArrayBuffer>;
  modularity: number;
  timings: { build: number; pagerank: number; louvain: number };
}

/**
 * Weighted PageRank (damping 0.85, iterated until the scores move less than 1e-4 in total:
 * graphology compares the L1 change with N·tolerance) and Louvain communities (resolution 1,
 * node order from `seed`). Memories without links each end up alone.
 */
export function analyse(data: GraphData, opts: { pagerank: boolean; communities: boolean; seed: number }): Analysis {
  const t0 = performance.now();
  const { graph, links } = toGraphology(data);
  const n = data.nodes.length;
  const t1 = performance.now();
  let ranks = new Float64Array(0);
  if (opts.pagerank && n > 0) {
    const raw = pagerank(graph, { getEdgeWeight: "weight", alpha: 0.85, maxIterations: 1000, tolerance: 1e-4 / n });
    let max = 0;
    for (const v of Object.values(raw)) max = Math.max(max, v);
    ranks = data.nodes.map((id) => (max > 0 ? raw[String(id)]! / max : 0));
  }
  const t2 = performance.now();
  let membership = new Int32Array(0);
  let modularity = 0;
  if (opts.communities) {
    if (graph.size === 0) {
      membership = Int32Array.from(data.nodes, (_, i) => i);
    } else {
      // A seeded node order keeps a tenant's communities stable run to run.
      const result = louvain.detailed(graph, { getEdgeWeight: "weight", rng: seededRandom(opts.seed), resolution: 1 });
      membership = Int32Array.from(data.nodes, (id) => result.communities[String(id)]!);
      modularity = result.modularity;
    }
  }
  const t3 = performance.now();
  return { links, ranks, membership, modularity, timings: { build: t1 - t0, pagerank: t2 - t1, louvain: t3 - t2 } };
}
