import { FEATURES, type FeatureName } from "./features.js";

/**
 * A logistic regression over standardized features: p = σ(b + Σ w_i (x_i − μ_i) / σ_i).
 * Trained by scripts/train-ranker.ts; the weights ship in weights.json.
 */
export interface RankerModel {
  features: readonly FeatureName[];
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
}

export interface RankerScore {
  /** The estimated probability that the memory is what the query looks for. */
  probability: number;
  /** w_i · z_i per feature: how much each pushed the score up or down (log-odds). */
  contributions: number[];
}

/** A model whose feature list differs from the code's is refused, not misread. */
export function checkModel(m: RankerModel): RankerModel {
  const n = FEATURES.length;
  if (m.features.length !== n || m.features.some((f, i) => f !== FEATURES[i])) {
    throw new Error(`ranker weights list features [${m.features.join(", ")}], the code computes [${FEATURES.join(", ")}]`);
  }
  if ([m.mean, m.std, m.weights].some((a) => a.length !== n)) throw new Error(`ranker weights must hold ${n} means, stds and weights`);
  return m;
}

export function scoreCandidate(m: RankerModel, x: readonly number[]): RankerScore {
  const contributions = x.map((v, i) => (m.weights[i]! * (v - m.mean[i]!)) / (m.std[i]! || 1));
  const z = contributions.reduce((a, b) => a + b, m.bias);
  return { probability: 1 / (1 + Math.exp(-z)), contributions };
}
