import type { Db } from "../db/index.js";
import { graphNeighbors } from "../graph/index.js";
import type { MemorySelections } from "../memory/index.js";
import { buildFtsQuery } from "../text/index.js";
import type { LexicalStore } from "./store.js";
import type { QuestionType } from "./question-type.js";

/** A channel's hits, best first, scores on a 0..1 scale. */
export type Hits = { id: number; score: number }[];

/** Divides by the best score so the channel's top hit scores 1. */
export function relativeToBest(hits: Hits): Hits {
  const best = hits[0]?.score ?? 0;
  return best > 0 ? hits.map((h) => ({ id: h.id, score: h.score / best })) : [];
}

/** Categories the user's preferences, values and identity are stored under. */
export const PERSONALITY_CATEGORIES = ["preference", "preferences", "value", "values", "identity", "personality"];

/**
 * The signal types that speak to each kind of question: what a person likes answers a
 * preference question, their motives and decisions a "why", who they are a generalization.
 * Fact and time questions take none: in a conversation most turns carry some signal, and
 * counting them all made the channel a second BM25 that cost LoCoMo dev R@5 0.016 (measured).
 * Values of personality_signals.signal_type (search sits below the intelligence engine).
 */
export const SIGNALS_FOR: Readonly<Record<QuestionType, readonly string[]>> = {
  preference: ["preference", "emotion"],
  reasoning: ["motivation", "value", "decision"],
  generalization: ["identity", "value", "preference"],
  fact_recall: [],
  temporal: [],
};

/**
 * Personality: the user's memories that share words with the query, by BM25, among those
 * filed as preference/value/identity or carrying a personality signal of a type the question
 * asks about (the intelligence engine's post-store step reads signals from every memory,
 * whatever its category).
 */
export function personalityHits(lexical: LexicalStore, userId: number, query: string, limit: number, questionType: QuestionType): Hits {
  const match = buildFtsQuery(query);
  if (!match) return [];
  return relativeToBest(lexical.personality(userId, match, PERSONALITY_CATEGORIES, SIGNALS_FOR[questionType], limit));
}

/**
 * Session context: the memories stored just before and after a hit in the same session.
 * In a conversation the answer often sits in the turn next to the one that shares the
 * question's words (a question and its reply); each neighbour gets its seed's score.
 */
export function sessionNeighbourHits(
  selections: MemorySelections,
  userId: number,
  seeds: readonly { id: number; score: number; sessionId: string | null }[],
): Hits {
  const best = new Map<number, number>();
  for (const s of seeds) {
    if (!s.sessionId) continue;
    const r = selections.sessionNeighbours(userId, s.sessionId, s.id);
    for (const id of [r.prev, r.next]) if (id != null && (best.get(id) ?? 0) < s.score) best.set(id, s.score);
  }
  return [...best].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || a.id - b.id);
}

/** Graph channel: 2 hops along typed links from the seeds, each neighbour weighted by its seed's score. */
export function graphHits(db: Db, userId: number, seeds: readonly { id: number; score: number }[], limit: number): Hits {
  if (seeds.length === 0) return [];
  const seedScore = new Map(seeds.map((s) => [s.id, s.score]));
  const top = seeds[0]!.score;
  return graphNeighbors(db, userId, [...seedScore.keys()], { hops: 2, limit })
    .map((n) => ({ id: n.id, score: n.score * (seedScore.get(n.via) ?? top) }))
    .sort((a, b) => b.score - a.score || a.id - b.id);
}
