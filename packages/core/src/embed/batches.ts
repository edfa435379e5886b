/**
 * Runs `run` over consecutive slices of at most `size` items, one slice at a time, and
 * concatenates the results: bounds the memory of one model call (or the size of one
 * remote request) whatever the caller passes.
 */
export async function inBatches<T, R>(items: readonly T[], size: number, run: (batch: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let start = 0; start < items.length; start += size) {
    out.push(...(await run(items.slice(start, start + size))));
  }
  return out;
}
