import { codePointAt, isAsciiLower, isAsciiUpper, isAsciiWord, isDigit, isLetterOrNumber, leadingWindow } from "./chars.js";

/**
 * Names in text: capitalised words (people, places, products) and identifiers with digits,
 * dots, slashes, underscores or inner capitals (hosts, paths, error codes, CamelCase).
 * Question words and other sentence openers are capitalised too, so they are dropped.
 *
 * A name is what this expression matches (kept as the oracle of a differential test in
 * test/support/query-names.reference.ts):
 *
 *   \b(?:[A-Z][\p{L}\p{N}]+|[\p{L}\p{N}]*(?:\d|[._/:-]\w|[a-z][A-Z])[\p{L}\p{N}._/:-]*)\b   (u flag)
 *
 * Run by a backtracking engine it is quadratic: in "aéaé…" every "a" is a start, and from
 * each the engine reads to the end of the run looking for a digit or separator. Here the
 * text is split once into runs of name characters (letters, digits, `._/:-`); a match never
 * leaves its run. Per run, one right-to-left pass records where each letter stretch ends and
 * where the next digit or lower-upper pair is, so each start is resolved in constant time:
 * - the first branch ends at the last word boundary (`\b`, ASCII as in the expression) within
 *   the letter stretch after the capital;
 * - the second succeeds when a digit, a lower-upper pair, or a separator followed by a word
 *   character can be reached from the start, and then always ends at the run's last word
 *   boundary (its greedy tail reads to the run's end and backs off to that boundary).
 */
const OPENERS = new Set(
  "what when where who whom whose why how which did does do is are was were would could should can has have had will the a an in on at for from to of and or but if i my we our you your he she they it its this that these those there tell show list give find".split(
    " ",
  ),
);

/**
 * How much of a memory `nameCoverage` reads: its first 4 KB (4,096 characters). Fusion asks
 * it of every candidate (up to about 150 per search), so this bounds the names work of one
 * search at about 600 K characters scanned: 0.2 ms a candidate at most, tens of ms for a
 * search whose every candidate is that long (bench/results/scanners.json). Agents' memories
 * are mostly far shorter (LoCoMo turns and the agent-memory set: under 1 KB), so rankings
 * are unchanged. A query name that a longer memory mentions only past its first 4 KB does
 * not boost it; the memory still ranks by BM25 and vector similarity.
 */
export const NAME_SCAN_CHARS = 4_096;

const isSeparator = (c: number) => c === 46 || c === 95 || c === 47 || c === 58 || c === 45; // [._/:-]

export function namesIn(text: string): Set<string> {
  const out = new Set<string>();
  for (let rs = 0; rs < text.length; ) {
    const cp = codePointAt(text, rs);
    if (!isNameChar(cp)) {
      rs += cp > 0xffff ? 2 : 1;
      continue;
    }
    let re = rs;
    for (let c = cp; re < text.length && isNameChar(c); c = codePointAt(text, re)) re += c > 0xffff ? 2 : 1;
    namesInRun(text, rs, re, out);
    rs = re;
  }
  return out;
}

/** `[\p{L}\p{N}._/:-]`: the characters a name is made of. */
const isNameChar = (cp: number) => cp >= 0 && (isLetterOrNumber(cp) || isSeparator(cp));

/** Per-run scratch, grown as needed and reused, so a run is read without allocating. */
let scratch = new Int32Array(0);

function namesInRun(text: string, rs: number, re: number, out: Set<string>): void {
  const n = re - rs;
  if (scratch.length < 3 * (n + 1)) scratch = new Int32Array(Math.max(3 * (n + 1), 2 * scratch.length, 1024));
  // Three columns over the run's units (an astral letter's two units both count as letter, neither as ASCII word):
  // stretch end: where the letter/digit stretch from here ends; next X: the first digit or lower-upper pair from
  // here (-1: none); previous boundary: the last word boundary at or before here (-1: none).
  const S = 0;
  const X = n + 1;
  const B = 2 * (n + 1);
  scratch[S + n] = re;
  scratch[X + n] = -1;
  for (let i = n - 1; i >= 0; i--) {
    const c = text.charCodeAt(rs + i);
    scratch[S + i] = isSeparator(c) ? rs + i : scratch[S + i + 1]!;
    const x = isDigit(c) || (isAsciiLower(c) && i + 1 < n && isAsciiUpper(text.charCodeAt(rs + i + 1)));
    scratch[X + i] = x ? rs + i : scratch[X + i + 1]!;
  }
  const word = (i: number) => i >= rs && i < re && isAsciiWord(text.charCodeAt(i));
  const boundary = (i: number) => word(i - 1) !== word(i);
  scratch[B] = -1;
  for (let i = 1; i <= n; i++) scratch[B + i] = boundary(rs + i) ? rs + i : scratch[B + i - 1]!;
  const lastBoundary = scratch[B + n]!;

  for (let p = rs; p < re; p++) {
    if (!boundary(p)) continue;
    let end = -1;
    if (isAsciiUpper(text.charCodeAt(p)) && p + 1 < re) {
      // [A-Z][\p{L}\p{N}]+ then \b: the last boundary of the stretch after the capital, if past p + 1.
      const e = scratch[B + scratch[S + p + 1 - rs]! - rs]!;
      if (e >= p + 2) end = e;
    }
    if (end < 0) {
      // [\p{L}\p{N}]* then a digit, a lower-upper pair, or (where the stretch ends) a separator before a word character.
      const stretch = scratch[S + p - rs]!;
      const x = scratch[X + p - rs]!;
      const xEnd = x >= 0 && x < stretch ? (isDigit(text.charCodeAt(x)) ? x + 1 : x + 2) : stretch < re && word(stretch + 1) ? stretch + 2 : -1;
      if (xEnd >= 0 && xEnd <= lastBoundary) end = lastBoundary;
    }
    if (end < 0) continue;
    const name = text.slice(p, end).toLowerCase();
    if (!OPENERS.has(name)) out.add(name);
    p = end - 1;
  }
}

/** Share of the query's names that the memory mentions in its first NAME_SCAN_CHARS (0 when the query names nothing). */
export function nameCoverage(queryNames: ReadonlySet<string>, content: string): number {
  if (queryNames.size === 0) return 0;
  const inContent = namesIn(leadingWindow(content, NAME_SCAN_CHARS));
  let hit = 0;
  for (const n of queryNames) if (inContent.has(n)) hit++;
  return hit / queryNames.size;
}
