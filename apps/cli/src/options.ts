import { InvalidArgumentError } from "commander";

/**
 * Argument parsers for commander. They run while the command line is parsed, so a bad value
 * stops the CLI before any request reaches the server.
 */

export function integer(min: number, max?: number): (value: string) => number {
  const expected = max === undefined ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`;
  return (value) => {
    const n = /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
      throw new InvalidArgumentError(`must be ${expected}`);
    }
    return n;
  };
}

/** Memory, key and user ids. */
export const id = integer(1);

export const importance = integer(1, 10);

export function nonNegativeNumber(value: string): number {
  const n = value.trim() === "" ? NaN : Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("must be a number of at least 0");
  return n;
}

/** "a, b,,c" → ["a", "b", "c"]; the server lower-cases and deduplicates. */
export function tagList(value: string): string[] {
  return value
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
}
