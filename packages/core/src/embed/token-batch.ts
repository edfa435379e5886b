import type { Encoding } from "./tokenizer.js";

/** Encodings padded to one length, as the int64 [size, seqLen] arrays transformer models take. */
export interface TokenBatch {
  size: number;
  seqLen: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
}

/**
 * Pads on the right to the longest encoding of the batch, with mask 0 on padding.
 * seqLen is at least 1 because a zero-sized axis is rejected by some ONNX kernels.
 */
export function padBatch(encodings: readonly Encoding[], padId: number): TokenBatch {
  const seqLen = Math.max(1, ...encodings.map((e) => e.ids.length));
  const total = encodings.length * seqLen;
  const inputIds = new BigInt64Array(total).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(total);
  const tokenTypeIds = new BigInt64Array(total);
  encodings.forEach((e, row) => {
    const offset = row * seqLen;
    e.ids.forEach((id, i) => {
      inputIds[offset + i] = BigInt(id);
      attentionMask[offset + i] = 1n;
      tokenTypeIds[offset + i] = BigInt(e.typeIds[i] ?? 0);
    });
  });
  return { size: encodings.length, seqLen, inputIds, attentionMask, tokenTypeIds };
}
