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

export const IMPORTANCE_HELP = "1-10, or a fraction between 0 and 1 read as tenths (0.9 → 9; rounded half up, at least 1)";

const IMPORTANCE_ERROR = "must be an integer from 1 to 10, or a fraction between 0 and 1 (0.9 means 9)";
const wholeImportance = integer(1, 10);

/**
 * Importance is an integer from 1 to 10 on the wire. The reference's examples write it as a
 * fraction (`--importance 0.9`), so a number strictly between 0 and 1 is read as tenths: 0.9 → 9,
 * 0.25 → 3 (half up), 0.04 → 1 (never 0). Any other non-integer (1.5, 11, 0) is refused.
 */
export function importance(value: string): number {
  const fraction = /^\s*0?\.\d+\s*$/.test(value) ? Number(value) : undefined;
  if (fraction === undefined) {
    try {
      return wholeImportance(value);
    } catch {
      throw new InvalidArgumentError(IMPORTANCE_ERROR);
    }
  }
  if (fraction <= 0) throw new InvalidArgumentError(IMPORTANCE_ERROR);
  // toFixed first: 0.285 * 10 is 2.8499999999999996 in binary floating point, and must round as 2.85.
  return Math.max(1, Math.round(Number((fraction * 10).toFixed(9))));
}

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
