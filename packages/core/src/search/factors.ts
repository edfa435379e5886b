import type { MemoryRow } from "../db/index.js";
import { memoryRetrievability } from "../fsrs/index.js";
import type { QuestionType } from "./question-type.js";

/** Multipliers applied to a memory's fused score; 1 means "no effect". */
export interface Factors {
  /** FSRS retrievability now, from the memory's own stability: a fading memory ranks lower. */
  decay: number;
  /** 1-10 importance around the default 5. */
  importance: number;
  /** Static memories (rules, identity) hold regardless of the query's wording. */
  static: number;
  /** Newer memories, for temporal questions only. */
  recency: number;
  /** Centrality in the tenant's link graph, when PageRank has run. */
  pagerank: number;
  /** An old version, when the caller asked for non-latest versions too. */
  superseded: number;
}

/** Bounds on each factor's swing: they reorder near-ties, never overturn clear relevance. */
const DECAY_FLOOR = 0.8;
const IMPORTANCE_STEP = 0.02;
const STATIC_BOOST = 1.1;
const RECENCY_BOOST = 0.15;
const RECENCY_HALF_LIFE_DAYS = 30;
const PAGERANK_BOOST = 0.1;
const SUPERSEDED_PENALTY = 0.5;

const DAY_MS = 86_400_000;

export function computeFactors(m: MemoryRow, questionType: QuestionType, now: Date): Factors {
  const r = memoryRetrievability(m, now);
  const ageDays = Math.max(0, (now.getTime() - Date.parse(m.createdAt)) / DAY_MS);
  return {
    decay: r == null ? 1 : DECAY_FLOOR + (1 - DECAY_FLOOR) * r,
    importance: 1 + IMPORTANCE_STEP * (m.importance - 5),
    static: m.isStatic ? STATIC_BOOST : 1,
    recency: questionType === "temporal" ? 1 + RECENCY_BOOST * Math.pow(0.5, ageDays / RECENCY_HALF_LIFE_DAYS) : 1,
    // pagerank_score is scaled by the graph job so the tenant's most central memory has 1.
    pagerank: 1 + PAGERANK_BOOST * Math.min(1, Math.max(0, m.pagerankScore ?? 0)),
    superseded: m.isLatest ? 1 : SUPERSEDED_PENALTY,
  };
}

export function product(f: Factors): number {
  return f.decay * f.importance * f.static * f.recency * f.pagerank * f.superseded;
}
