/** Reciprocal Rank Fusion constant: damps the head so one channel's #1 cannot dominate. */
export const RRF_K = 60;

export type ChannelName = "fts" | "vector";

export interface ChannelRanking {
  channel: ChannelName;
  weight: number;
  /** Ids best first, with the channel's own score. */
  hits: { id: number; score: number }[];
}

export interface Fused {
  id: number;
  /** Weighted RRF score divided by the best score possible with these channels: 0..1. */
  score: number;
  channels: Partial<Record<ChannelName, { rank: number; score: number }>>;
}

/** Weighted RRF: Σ w_c / (k + rank_c), ranks from 1; a document a channel missed adds nothing there. */
export function fuse(rankings: readonly ChannelRanking[]): Fused[] {
  const byId = new Map<number, Fused & { raw: number }>();
  const best = rankings.reduce((s, r) => s + (r.hits.length ? r.weight / (RRF_K + 1) : 0), 0);
  for (const r of rankings) {
    r.hits.forEach((h, i) => {
      const entry = byId.get(h.id) ?? { id: h.id, score: 0, raw: 0, channels: {} };
      entry.raw += r.weight / (RRF_K + i + 1);
      entry.channels[r.channel] = { rank: i + 1, score: h.score };
      byId.set(h.id, entry);
    });
  }
  return [...byId.values()]
    .map(({ raw, ...f }) => ({ ...f, score: best > 0 ? raw / best : 0 }))
    .sort((a, b) => b.score - a.score || a.id - b.id);
}
