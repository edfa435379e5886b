import type { z } from "zod";

/**
 * The items of a model's array that pass the item schema, in order, at most `max`: one bad
 * item is dropped, not the whole answer. Use it inside a feature's schema
 * (`z.array(z.unknown()).transform((a) => keepValid(item, a, 20))`), with a refinement
 * when an empty result must count as a failure.
 */
export function keepValid<T>(item: z.ZodType<T>, items: readonly unknown[], max: number): T[] {
  const kept: T[] = [];
  for (const raw of items) {
    if (kept.length >= max) break;
    const parsed = item.safeParse(raw);
    if (parsed.success) kept.push(parsed.data);
  }
  return kept;
}
