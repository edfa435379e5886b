import type { Db } from "../db/index.js";
import { linkStore } from "../memory/index.js";

/** A memory reached from the seeds: its score, the node it was reached through, and the edge type. */
export interface GraphNeighbor {
  id: number;
  score: number;
  /** The seed (hop 1) or hop-1 memory (hop 2) this one was reached from. */
  via: number;
  type: string;
}

export interface GraphNeighborOptions {
  hops?: 1 | 2;
  limit: number;
  /** Only follow these link types; default all. */
  types?: readonly string[] | undefined;
}

/**
 * How much an edge of each type says "if the seed is relevant, so is this". Versions and
 * extensions are about the same subject; causes and prerequisites are close context; a
 * contradiction is worth showing but less so. `similarity` edges carry their own cosine.
 */
export const EDGE_TYPE_WEIGHTS: Readonly<Record<string, number>> = {
  updates: 1,
  extends: 1,
  caused_by: 0.8,
  prerequisite_for: 0.8,
  contradicts: 0.5,
};
/** Types this module does not know (added by other features) count as a weak association. */
const DEFAULT_TYPE_WEIGHT = 0.5;
/** A second hop is weaker evidence than a first. */
export const SECOND_HOP_DECAY = 0.5;
/** Hop-1 memories expanded further: bounds the second hop on densely linked graphs. */
const MAX_FRONTIER = 64;

export function edgeWeight(type: string, similarity: number): number {
  if (type === "similarity") return Math.max(0, Math.min(1, similarity));
  return EDGE_TYPE_WEIGHTS[type] ?? DEFAULT_TYPE_WEIGHT;
}

/**
 * Graph channel for search: expands the seed memories along memory_links up to two hops.
 * A hop-1 neighbour scores the weight of its best edge from a seed; a hop-2 neighbour
 * scores (hop-1 score) x (edge weight) x SECOND_HOP_DECAY. Seeds themselves are not
 * returned. Sorted by score, best first.
 */
export function graphNeighbors(db: Db, userId: number, seedIds: readonly number[], opts: GraphNeighborOptions): GraphNeighbor[] {
  const links = linkStore(db);
  // Links touching the given memories whose far end is a live memory of the same user: nothing crosses tenants.
  const steps = (from: readonly number[]) => (from.length === 0 ? [] : links.steps(userId, from, opts.types));
  const seeds = new Set(seedIds);
  const best = new Map<number, GraphNeighbor>();
  const offer = (n: GraphNeighbor) => {
    if (seeds.has(n.id) || n.score <= 0) return;
    const current = best.get(n.id);
    if (!current || n.score > current.score) best.set(n.id, n);
  };

  for (const s of steps([...seeds])) {
    offer({ id: s.to, score: edgeWeight(s.type, s.similarity), via: s.from, type: s.type });
  }
  if ((opts.hops ?? 2) === 2 && best.size > 0) {
    const frontier = [...best.values()].sort((a, b) => b.score - a.score).slice(0, MAX_FRONTIER);
    const scoreOf = new Map(frontier.map((n) => [n.id, n.score]));
    for (const s of steps([...scoreOf.keys()])) {
      offer({ id: s.to, score: scoreOf.get(s.from)! * edgeWeight(s.type, s.similarity) * SECOND_HOP_DECAY, via: s.from, type: s.type });
    }
  }
  return [...best.values()].sort((a, b) => b.score - a.score || a.id - b.id).slice(0, opts.limit);
}
