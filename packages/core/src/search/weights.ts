import type { QuestionType } from "./question-type.js";

/** The channels a search can draw on. */
export const CHANNELS = ["fts", "vector", "personality", "session", "graph"] as const;
export type ChannelName = (typeof CHANNELS)[number];

export type ChannelWeights = Record<ChannelName, number>;

/**
 * Score-fusion weights per question type. BM25 enters divided by the query's best BM25, so
 * its top hit scores 1; the vector channel enters as raw cosine (0.2-0.7 with USE-lite), so
 * lexical evidence leads and the embedder breaks ties and adds paraphrases. Session (the turns
 * next to a hit in the same session) and graph (2-hop along typed links) pass on a share of
 * their seed's score. The vector weight is the measured compromise for USE-lite on the dev sets
 * (README: 0.3, 0.6 and 1 compared; ENGRAM_VECTOR_WEIGHT scales it for stronger models). The
 * per-type shifts are small on purpose: the dev sets are too small to fit five weight rows.
 */
const BASE: ChannelWeights = { fts: 1, vector: 0.6, personality: 0.15, session: 0.3, graph: 0.2 };

export const TYPE_WEIGHTS: Record<QuestionType, ChannelWeights> = {
  fact_recall: BASE,
  temporal: { ...BASE, personality: 0 },
  preference: { ...BASE, personality: 0.6 },
  reasoning: { ...BASE, vector: 0.75, graph: 0.3 },
  generalization: { ...BASE, vector: 0.75, personality: 0.3, graph: 0.3 },
};

/**
 * Weights of the reciprocal-rank fusion (ENGRAM_FUSION=rrf): the original design,
 * kept as a measured baseline. Ranks carry no strength of evidence, so the embedder, weaker
 * than BM25 on the dev sets, gets a small weight.
 */
export const RRF_WEIGHTS: ChannelWeights = { fts: 1, vector: 0.1, personality: 0.15, session: 0.3, graph: 0.2 };
