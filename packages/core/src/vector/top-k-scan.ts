import type { VectorHit } from "./vector-index.js";

/**
 * The k best rows by exact dot product, best first, ties keeping the earlier row first: what
 * the plain scan returned (every row's `exact` score, kept in a sorted buffer of k), from
 * approximate scores `fast` that are within `error` of the exact ones. Only the rows whose fast
 * score can still reach the k-th best are scored exactly, in row order through the same buffer,
 * so the hits, their order and their scores are the plain scan's.
 *
 * Why that is enough: let T be the k-th best exact score and F the k-th best fast score. The k
 * rows scoring at least T exactly score at least T − error fast, so F ≥ T − error; and no k
 * rows can score above T + error fast, so F ≤ T + error. Every row scoring at least T exactly
 * therefore scores at least F − 2·error fast, and the top k of any subset of rows that holds
 * them is the top k of all rows.
 */
export function topKRescored(fast: Float32Array, error: number, exact: (row: number) => number, ids: readonly number[], k: number): VectorHit[] {
  const n = fast.length;
  if (n === 0 || k <= 0) return [];
  // The k best fast scores, ascending: best[0] is the k-th best.
  const best = new Float64Array(Math.min(k, n)).fill(-Infinity);
  for (let row = 0; row < n; row++) {
    const s = fast[row]!;
    if (s > best[0]!) {
      let pos = 0;
      while (pos + 1 < best.length && best[pos + 1]! < s) {
        best[pos] = best[pos + 1]!;
        pos++;
      }
      best[pos] = s;
    }
  }
  const bar = best[0]! - 2 * error;
  const top: VectorHit[] = [];
  for (let row = 0; row < n; row++) {
    if (fast[row]! < bar) continue;
    const dot = exact(row);
    if (top.length < k || dot > top[top.length - 1]!.score) {
      let pos = top.length < k ? top.length : top.length - 1;
      if (top.length < k) top.push({ id: 0, score: 0 });
      while (pos > 0 && top[pos - 1]!.score < dot) {
        top[pos] = top[pos - 1]!;
        pos--;
      }
      top[pos] = { id: ids[row]!, score: dot };
    }
  }
  return top;
}
