import type { ChannelName } from "./weights.js";

/** Reciprocal Rank Fusion constant: damps the head so one channel's #1 cannot dominate. */
export const RRF_K = 60;

export type FusionMethod = "score" | "rrf";

export interface ChannelRanking {
  channel: ChannelName;
  weight: number;
  /** Ids best first, with the channel's own score (for score fusion: already on a 0..1 scale). */
  hits: { id: number; score: number }[];
  /** Expands from other channels' hits (session, graph): adds to scores but not to the best possible. */
  expansion?: boolean;
}

export interface Fused {
  id: number;
  /** The fused score divided by the best score possible with these channels: 0..1. */
  score: number;
  channels: Partial<Record<ChannelName, { rank: number; score: number }>>;
}

/** Weighted RRF: Σ w_c / (k + rank_c), ranks from 1; a document a channel missed adds nothing there. */
export function fuse(rankings: readonly ChannelRanking[]): Fused[] {
  return combine(rankings, (r, _h, i) => r.weight / (RRF_K + i + 1), (r) => r.weight / (RRF_K + 1));
}

/**
 * Weighted score fusion (CombSUM): Σ w_c · s_c with each channel's score on a 0..1 scale.
 * Unlike RRF it keeps how strong each channel's evidence is: a weak cosine behind a strong
 * BM25 match adds little, a near-paraphrase with no shared word still scores.
 */
export function scoreFuse(rankings: readonly ChannelRanking[]): Fused[] {
  return combine(rankings, (r, h) => r.weight * h.score, (r) => r.weight);
}

function combine(
  rankings: readonly ChannelRanking[],
  contribution: (r: ChannelRanking, h: { score: number }, index: number) => number,
  bestOf: (r: ChannelRanking) => number,
): Fused[] {
  const byId = new Map<number, Fused & { raw: number }>();
  const best = rankings.reduce((s, r) => s + (r.hits.length && !r.expansion ? bestOf(r) : 0), 0);
  for (const r of rankings) {
    r.hits.forEach((h, i) => {
      const entry = byId.get(h.id) ?? { id: h.id, score: 0, raw: 0, channels: {} };
      entry.raw += contribution(r, h, i);
      entry.channels[r.channel] = { rank: i + 1, score: h.score };
      byId.set(h.id, entry);
    });
  }
  return [...byId.values()]
    .map(({ raw, ...f }) => ({ ...f, score: best > 0 ? Math.min(1, raw / best) : 0 }))
    .sort((a, b) => b.score - a.score || a.id - b.id);
}
