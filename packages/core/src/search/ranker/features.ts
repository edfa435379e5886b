import { namesIn } from "../../text/index.js";

/**
 * What the ranker knows of each candidate, in this order (the weights file names them too).
 * Reciprocal ranks (1/rank, 0 where a channel missed it) keep "first" far from "tenth" and
 * "missed" at 0; relative scores divide by the best candidate's, so each query is measured
 * against its own best evidence.
 *
 * The lexical rank and relative BM25 (lexical_rr, bm25_rel) are multiplied by the query's
 * best lexical evidence (the best candidate's lexical score): being BM25's
 * first hit means much when that hit covers the query's rare words and little when it shares
 * one common word ("database connection info" against "the billing database backup"). Raw,
 * they let LoCoMo's many name-matching questions teach the ranker to trust any first BM25 hit.
 */
export const FEATURES = [
  "fused",
  "fused_rr",
  "lexical",
  "lexical_rr",
  "bm25_rel",
  "coverage",
  "coverage_rel",
  "neighbour_coverage",
  "vector",
  "vector_rr",
  "vector_rel",
  "session",
  "personality",
  "entity",
  "speaker_named",
  "length",
] as const;
export type FeatureName = (typeof FEATURES)[number];

/** One candidate as fusion left it, plus the evidence gathered for the ranker. */
export interface CandidateEvidence {
  fused: number;
  /** 1-based rank after fusion. */
  fusedRank: number;
  channels: Partial<Record<"fts" | "vector" | "session" | "personality" | "graph", { rank: number; score: number }>>;
  /** BM25 divided by the query's best BM25 (0 when BM25 missed it). */
  bm25Rel: number;
  /** Share of the query's IDF mass it matches. */
  coverage: number;
  /** The best share among its session neighbours (the turns before and after it). */
  neighbourCoverage: number;
  /** Share of the query's names it mentions. */
  entity: number;
  content: string;
}

/** Best values over the candidates of one query, for the relative features. */
export interface QueryBests {
  coverage: number;
  cosine: number;
  /** The best lexical score (relative BM25 × IDF share), 0..1. */
  lexical: number;
}

const LENGTH_SCALE = Math.log(101);

/** The 16 features of one candidate, in FEATURES order. */
export function candidateFeatures(c: CandidateEvidence, bests: QueryBests, queryNames: ReadonlySet<string>): number[] {
  const rr = (hit: { rank: number } | undefined) => (hit ? 1 / hit.rank : 0);
  const cosine = c.channels.vector?.score ?? 0;
  const words = c.content.split(/\s+/).filter(Boolean).length;
  return [
    c.fused,
    1 / c.fusedRank,
    c.channels.fts?.score ?? 0,
    rr(c.channels.fts) * bests.lexical,
    c.bm25Rel * bests.lexical,
    c.coverage,
    bests.coverage > 0 ? c.coverage / bests.coverage : 0,
    c.neighbourCoverage,
    cosine,
    rr(c.channels.vector),
    bests.cosine > 0 ? cosine / bests.cosine : 0,
    c.channels.session?.score ?? 0,
    c.channels.personality?.score ?? 0,
    c.entity,
    speakerNamed(c.content, queryNames),
    Math.log(1 + Math.min(words, 100)) / LENGTH_SCALE,
  ];
}

/** "[date] Name: text" or "Name: text": a conversation turn's speaker label. */
const SPEAKER = /^(?:\[[^\]]{0,80}\]\s*)?([^:\n]{1,40}):/;

/**
 * 1 when the question names the memory's speaker (a conversation turn's "Name:" label) or,
 * for other memories, its leading name (the first name in its first 200 characters).
 * "What did Caroline say about..." is most often answered by Caroline's own turns.
 */
export function speakerNamed(content: string, queryNames: ReadonlySet<string>): number {
  if (queryNames.size === 0) return 0;
  const label = SPEAKER.exec(content)?.[1];
  const lead = label ? [...namesIn(label)] : [...namesIn(content.slice(0, 200))].slice(0, 1);
  const asked = new Set([...queryNames].map((n) => n.toLowerCase()));
  return lead.some((n) => asked.has(n.toLowerCase())) ? 1 : 0;
}
