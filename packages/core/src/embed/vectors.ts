/**
 * Scales a vector to unit length in place. A zero vector (nothing to pool) stays zero
 * rather than becoming NaN, so it is simply similar to nothing.
 */
export function l2Normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  if (sum === 0) return v;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * inv;
  return v;
}
