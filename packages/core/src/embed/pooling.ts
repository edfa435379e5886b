import { l2Normalize } from "./vectors.js";

/** "cls": the first token's hidden state; "mean": the average over the real (unmasked) tokens. */
export type Pooling = "cls" | "mean";

/** A [batch, seq, dim] float tensor laid out row-major, as ONNX Runtime returns it. */
export interface HiddenStates {
  data: Float32Array;
  batch: number;
  seq: number;
  dim: number;
}

/** Pools each input's token vectors into one L2-normalised vector, ignoring padding via the mask. */
export function poolHiddenStates(hidden: HiddenStates, attentionMask: BigInt64Array, pooling: Pooling): Float32Array[] {
  const { data, batch, seq, dim } = hidden;
  const out: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const base = b * seq * dim;
    const vector = pooling === "cls" ? data.slice(base, base + dim) : meanOfMasked(data, attentionMask, b, seq, dim);
    out.push(l2Normalize(vector));
  }
  return out;
}

function meanOfMasked(data: Float32Array, mask: BigInt64Array, b: number, seq: number, dim: number): Float32Array {
  const sum = new Float32Array(dim);
  let count = 0;
  for (let s = 0; s < seq; s++) {
    if (mask[b * seq + s] === 0n) continue;
    count++;
    const row = (b * seq + s) * dim;
    for (let d = 0; d < dim; d++) sum[d] = sum[d]! + data[row + d]!;
  }
  if (count > 0) for (let d = 0; d < dim; d++) sum[d] = sum[d]! / count;
  return sum;
}
