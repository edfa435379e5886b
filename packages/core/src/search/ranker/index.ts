/** The learned ranker: a logistic regression over features of the fused candidates (weights.json, scripts/train-ranker.ts). */
import shipped from "./weights.json" with { type: "json" };
import { candidateFeatures, FEATURES, type CandidateEvidence } from "./features.js";
import { checkModel, scoreCandidate, type RankerModel } from "./model.js";

export { FEATURES, candidateFeatures, speakerNamed, type FeatureName, type CandidateEvidence } from "./features.js";
export { scoreCandidate, checkModel, type RankerModel, type RankerScore } from "./model.js";

/** The model trained on the dev sets, as shipped in the repository. */
export const SHIPPED_RANKER: RankerModel = checkModel(shipped as RankerModel);

/** The fused candidates the ranker reorders; the rest follow them. */
export const RANKER_CANDIDATES = 50;

/** What explain shows of the ranker for one result. */
export interface RankerOutcome {
  probability: number;
  /** Feature values in FEATURES order. */
  features: number[];
  /** Log-odds each feature added (w·z), in FEATURES order. */
  contributions: number[];
}

export interface RankerInputs {
  queryNames: ReadonlySet<string>;
  /** BM25 relative to the query's best, by id. */
  bm25Rel: ReadonlyMap<number, number>;
  /** IDF share of the query each memory matches. */
  coverage(ids: readonly number[]): Map<number, number>;
  content(id: number): string;
  /** The memories just before and after it in its session. */
  neighbours(id: number): number[];
}

interface Candidate {
  id: number;
  score: number;
  entity: number;
  channels: CandidateEvidence["channels"];
  ranker: RankerOutcome | null;
}

/**
 * Scores the top RANKER_CANDIDATES fused candidates and orders them by the ranker's
 * probability, which becomes their score; candidates past them keep their fused order,
 * scaled below the last ranked one. Bounded work: one neighbour lookup and one feature
 * vector per candidate, and the term lookups of their neighbours.
 */
export function applyRanker<C extends Candidate>(model: RankerModel, fused: C[], inputs: RankerInputs): C[] {
  const head = fused.slice(0, RANKER_CANDIDATES);
  const neighbours = new Map(head.map((c) => [c.id, inputs.neighbours(c.id)]));
  const coverage = inputs.coverage([...head.map((c) => c.id), ...[...neighbours.values()].flat()]);
  const bests = {
    coverage: Math.max(0, ...head.map((c) => coverage.get(c.id)!)),
    cosine: Math.max(0, ...head.map((c) => c.channels.vector?.score ?? 0)),
    lexical: Math.max(0, ...head.map((c) => c.channels.fts?.score ?? 0)),
  };
  const scored = head.map((c, i) => {
    const features = candidateFeatures(
      {
        fused: c.score,
        fusedRank: i + 1,
        channels: c.channels,
        bm25Rel: inputs.bm25Rel.get(c.id) ?? 0,
        coverage: coverage.get(c.id)!,
        neighbourCoverage: Math.max(0, ...neighbours.get(c.id)!.map((n) => coverage.get(n)!)),
        entity: c.entity,
        content: inputs.content(c.id),
      },
      bests,
      inputs.queryNames,
    );
    const { probability, contributions } = scoreCandidate(model, features);
    return { ...c, score: probability, ranker: { probability, features, contributions } };
  });
  scored.sort((a, b) => b.score - a.score || a.id - b.id);
  const floor = scored.at(-1)?.score ?? 0;
  const lastFused = head.at(-1)?.score ?? 0;
  const tail = fused.slice(RANKER_CANDIDATES).map((c) => ({ ...c, score: lastFused > 0 ? (floor * c.score) / lastFused : 0 }));
  return [...scored, ...tail];
}

export { FEATURES as RANKER_FEATURES };
