import { l2Normalize } from "./vectors.js";

/**
 * How a text longer than one model input is covered: windows of `size` tokens, each
 * overlapping the previous one by a quarter, so a sentence cut at one window's edge is
 * whole in its neighbour. The last window is aligned to the text's end, so every window
 * is full and counts the same in the mean.
 *
 * Past `maxWindows`, the windows are spread evenly from the first token to the last
 * (first and last window included) instead of running on from the start: the vector then
 * samples every part of the memory, and what is left out is the text between the sampled
 * windows. The cap keeps one text's cost bounded whatever its length (see the README's
 * "Long memories").
 */
export interface WindowPolicy {
  /** Tokens per window (the model's input, special tokens excluded). */
  size: number;
  maxWindows: number;
}

/** Windows per text before they are spread out; see the README's "Long memories" for the measurement. */
export const DEFAULT_MAX_WINDOWS = 8;

/** A quarter of a window: enough context across a cut, while three quarters of each window is new text. */
const OVERLAP_FRACTION = 0.25;

/** The start offset of each window over `length` tokens; [0] for a text that fits one window. */
export function windowStarts(length: number, { size, maxWindows }: WindowPolicy): number[] {
  if (length <= size) return [0];
  const lastStart = length - size;
  const stride = Math.max(1, size - Math.floor(size * OVERLAP_FRACTION));
  const needed = Math.ceil(lastStart / stride) + 1;
  const count = Math.min(needed, Math.max(1, maxWindows));
  if (count === 1) return [0];
  if (count === needed) return Array.from({ length: count }, (_, i) => Math.min(i * stride, lastStart));
  return Array.from({ length: count }, (_, i) => Math.round((i * lastStart) / (count - 1)));
}

/** The token windows of one text under the policy. */
export function tokenWindows<T>(tokens: readonly T[], policy: WindowPolicy): T[][] {
  return windowStarts(tokens.length, policy).map((start) => tokens.slice(start, start + policy.size));
}

/**
 * One text's vector from its windows' (unit) vectors: their mean, normalised. Windows are
 * of equal length, so each counts the same; one window is returned as it is.
 */
export function meanPool(vectors: readonly Float32Array[]): Float32Array {
  if (vectors.length === 1) return vectors[0]!;
  const out = new Float32Array(vectors[0]!.length);
  for (const v of vectors) for (let d = 0; d < out.length; d++) out[d] = out[d]! + v[d]!;
  return l2Normalize(out);
}

/**
 * Runs `embedWindows` over the windows of every text at once (so the caller's model batches
 * span texts) and pools each text's windows back into one vector, in input order.
 */
export async function embedInWindows<W>(
  windowsPerText: readonly W[][],
  embedWindows: (windows: W[]) => Promise<Float32Array[]>,
): Promise<Float32Array[]> {
  const vectors = await embedWindows(windowsPerText.flat());
  const out: Float32Array[] = [];
  let next = 0;
  for (const windows of windowsPerText) {
    out.push(meanPool(vectors.slice(next, next + windows.length)));
    next += windows.length;
  }
  return out;
}
