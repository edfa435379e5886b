import { asciiBoundary, codeAt, isAsciiAlnum, isAsciiLetter, isAsciiWord, isDigit, isSpace } from "../text/index.js";
import type { EntityType } from "./entity-rules.js";

/**
 * The single-token rules of entity extraction (URLs, e-mail addresses, paths, @handles, IP
 * addresses, host names), each a left-to-right scan that finds exactly what its regular
 * expression used to find (test/support/entity-rules.reference.ts keeps those expressions as
 * the oracle of a differential test), in time linear in the text.
 *
 * Why not the expressions: a backtracking engine retries every start position, and for the
 * e-mail and host-name rules each retry rescans the whole run ahead of it ("b.b.b.…" has a
 * start at every "b" and no TLD to end on), so 100 KB cost seconds. Here each scanner finds
 * candidate positions with indexOf or one pass over a run of the characters the rule accepts,
 * and resolves each candidate by reading forward at most to the end of that run; after a
 * match it continues past it, as a global regex does.
 */

/** A rule's match; `entity` null when the rule read the span but it names nothing (the regex moved past it, nothing is claimed). */
export interface RuleMatch {
  index: number;
  end: number;
  entity: { name: string; type: EntityType } | null;
}

export type Scanner = (text: string) => RuleMatch[];

/** Drops trailing sentence punctuation (`[.,:;]+$`) without a regex, which would be quadratic on "a....x". */
function stripTrailingPunctuation(s: string): string {
  let end = s.length;
  while (end > 0 && ".,:;".includes(s[end - 1]!)) end--;
  return s.slice(0, end);
}

const isHostChar = (c: number) => isAsciiAlnum(c) || c === 46 || c === 45; // [A-Za-z0-9.-]
const isLabelChar = (c: number) => isAsciiAlnum(c) || c === 45; // [A-Za-z0-9-]
const isLocalChar = (c: number) => isAsciiWord(c) || c === 46 || c === 43 || c === 45; // [\w.+-]
const isPathChar = (c: number) => isAsciiWord(c) || c === 46 || c === 64 || c === 43 || c === 45; // [\w.@+-]

/** `\bhttps?:\/\/([A-Za-z0-9.-]+)[^\s]*`: the host names a server. */
export const scanUrls: Scanner = (text) => {
  const out: RuleMatch[] = [];
  for (let i = text.indexOf("http"); i !== -1; ) {
    let j = i + 4;
    if (text.charCodeAt(j) === 115) j++; // s
    const host = j + 3;
    let hostEnd = host;
    if (asciiBoundary(text, i) && text.startsWith("://", j)) while (isHostChar(codeAt(text, hostEnd))) hostEnd++;
    if (hostEnd === host) {
      i = text.indexOf("http", i + 1);
      continue;
    }
    let end = hostEnd;
    while (end < text.length && !isSpace(text.charCodeAt(end))) end++;
    out.push({ index: i, end, entity: { name: text.slice(host, hostEnd).toLowerCase(), type: "server" } });
    i = text.indexOf("http", end);
  }
  return out;
};

/**
 * `\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b`. For each "@": the local part is the run of
 * local characters before it, from its first word boundary; the domain is two or more labels
 * after it, ending at the last word boundary the expression's backtracking would reach.
 */
export const scanEmails: Scanner = (text) => {
  const out: RuleMatch[] = [];
  let pos = 0;
  for (let at = text.indexOf("@"); at !== -1; ) {
    let start = at;
    while (start > pos && isLocalChar(text.charCodeAt(start - 1))) start--;
    let from = -1;
    for (let k = start; k < at; k++) {
      if (asciiBoundary(text, k)) {
        from = k;
        break;
      }
    }
    const end = from < 0 ? -1 : domainEnd(text, at + 1);
    if (end < 0) {
      at = text.indexOf("@", at + 1);
      continue;
    }
    out.push({ index: from, end, entity: { name: text.slice(from, end).toLowerCase(), type: "person" } });
    pos = end;
    at = text.indexOf("@", end);
  }
  return out;
};

/** End of `[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b` from `d`, or -1: the greedy labels, then back to the last word boundary of the second label or later. */
function domainEnd(text: string, d: number): number {
  const starts: number[] = [];
  const ends: number[] = [];
  let i = d;
  while (isLabelChar(codeAt(text, i))) i++;
  if (i === d) return -1;
  starts.push(d);
  ends.push(i);
  while (text.charCodeAt(i) === 46 && isLabelChar(codeAt(text, i + 1))) {
    let j = i + 1;
    while (isLabelChar(codeAt(text, j))) j++;
    starts.push(i + 1);
    ends.push(j);
    i = j;
  }
  for (let k = ends.length - 1; k >= 1; k--) {
    for (let e = ends[k]!; e > starts[k]!; e--) if (asciiBoundary(text, e)) return e;
  }
  return -1;
}

/**
 * Unix paths: `(?<![\w.])(?:~|\.{1,2})?\/(?:[\w.@+-]+\/)+[\w.@+-]*`, or else `(?<![\w.])~\/[\w.@+-]+`.
 * A path of two characters or fewer ("./") names nothing.
 */
export const scanUnixPaths: Scanner = (text) => {
  const out: RuleMatch[] = [];
  for (let q = 0; q < text.length; ) {
    const c = text.charCodeAt(q);
    const prev = codeAt(text, q - 1);
    let end = -1;
    if ((c === 126 || c === 46 || c === 47) && !(isAsciiWord(prev) || prev === 46)) {
      // The optional prefix, longest first, as the expression tries it: "~", "..", ".", none.
      const bodies = c === 126 ? [q + 1] : c === 46 ? (text.charCodeAt(q + 1) === 46 ? [q + 2, q + 1] : [q + 1]) : [q];
      for (const b of bodies) if ((end = pathBodyEnd(text, b)) >= 0) break;
      if (end < 0 && c === 126 && text.charCodeAt(q + 1) === 47) {
        let k = q + 2;
        while (isPathChar(codeAt(text, k))) k++;
        if (k > q + 2) end = k;
      }
    }
    if (end < 0) {
      q++;
      continue;
    }
    const name = stripTrailingPunctuation(text.slice(q, end));
    out.push({ index: q, end, entity: name.length > 2 ? { name, type: "path" } : null });
    q = end;
  }
  return out;
};

/** End of `\/(?:[\w.@+-]+\/)+[\w.@+-]*` from `b`, or -1 when not even one "segment/" follows the slash. */
function pathBodyEnd(text: string, b: number): number {
  if (text.charCodeAt(b) !== 47) return -1;
  let k = b + 1;
  let segments = 0;
  for (;;) {
    let j = k;
    while (isPathChar(codeAt(text, j))) j++;
    if (j > k && text.charCodeAt(j) === 47) {
      segments++;
      k = j + 1;
      continue;
    }
    return segments > 0 ? j : -1;
  }
}

/** Windows paths: `\b[A-Za-z]:\\(?:[^\\\s]+\\)*[^\\\s]+`. */
export const scanWindowsPaths: Scanner = (text) => {
  const out: RuleMatch[] = [];
  for (let colon = text.indexOf(":\\"); colon !== -1; ) {
    const q = colon - 1;
    let end = -1;
    if (q >= 0 && isAsciiLetter(text.charCodeAt(q)) && asciiBoundary(text, q)) {
      const isPart = (i: number) => i < text.length && text.charCodeAt(i) !== 92 && !isSpace(text.charCodeAt(i));
      let k = colon + 2;
      let lastSegmentEnd = -1;
      for (;;) {
        let j = k;
        while (isPart(j)) j++;
        if (j > k && text.charCodeAt(j) === 92) {
          lastSegmentEnd = j;
          k = j + 1;
          continue;
        }
        // A final part if there is one; else the expression gives back the last "part\" and ends on its part.
        end = j > k ? j : lastSegmentEnd;
        break;
      }
    }
    if (end < 0) {
      colon = text.indexOf(":\\", colon + 1);
      continue;
    }
    out.push({ index: q, end, entity: { name: stripTrailingPunctuation(text.slice(q, end)), type: "path" } });
    colon = text.indexOf(":\\", end);
  }
  return out;
};

/** `(?<![\w@.])@([A-Za-z0-9_][A-Za-z0-9_-]{0,38})\b`: GitHub-style handles, at most 39 characters. */
export const scanHandles: Scanner = (text) => {
  const out: RuleMatch[] = [];
  for (let at = text.indexOf("@"); at !== -1; ) {
    const prev = codeAt(text, at - 1);
    let end = -1;
    if (!(isAsciiWord(prev) || prev === 64 || prev === 46) && isAsciiWord(codeAt(text, at + 1))) {
      let k = at + 2;
      while (k < at + 40 && (isAsciiWord(codeAt(text, k)) || codeAt(text, k) === 45)) k++;
      for (let e = k; e > at + 1; e--) {
        if (asciiBoundary(text, e)) {
          end = e;
          break;
        }
      }
    }
    if (end < 0) {
      at = text.indexOf("@", at + 1);
      continue;
    }
    out.push({ index: at, end, entity: { name: `@${text.slice(at + 1, end)}`, type: "person" } });
    at = text.indexOf("@", end);
  }
  return out;
};

const OCTET = "(?:25[0-5]|2[0-4]\\d|1?\\d?\\d)";
/** Tried only where a run of digits starts; sticky, so each try reads at most one address (15 characters). */
const IP_AT = new RegExp(`${OCTET}(?:\\.${OCTET}){3}\\b`, "y");

/** IPv4 addresses: `\b<octet>(?:\.<octet>){3}\b`. */
export const scanIps: Scanner = (text) => {
  const out: RuleMatch[] = [];
  for (let q = 0; q < text.length; q++) {
    if (!isDigit(text.charCodeAt(q)) || !asciiBoundary(text, q)) continue;
    IP_AT.lastIndex = q;
    const m = IP_AT.exec(text);
    if (!m) continue;
    out.push({ index: q, end: q + m[0].length, entity: { name: m[0], type: "server" } });
    q += m[0].length - 1;
  }
  return out;
};

/**
 * Host names: `\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:<tld>)\b|\blocalhost\b`,
 * case-insensitive. Within each run of host characters the dot-separated segments are read
 * once: which are valid labels, how far a chain of labels reaches from each segment, and the
 * last known TLD within reach. A start then resolves in constant time to the match the
 * expression's backtracking would end on: the longest chain of labels that a TLD closes.
 */
export function hostScanner(tlds: ReadonlySet<string>): Scanner {
  return (text) => {
    const out: RuleMatch[] = [];
    for (let rs = 0; rs < text.length; ) {
      if (!isHostChar(text.charCodeAt(rs))) {
        rs++;
        continue;
      }
      let re = rs;
      let dots = false;
      for (let c = text.charCodeAt(re); isHostChar(c); c = codeAt(text, ++re)) dots ||= c === 46;
      // A run without a dot holds no host name, only perhaps "localhost".
      if (dots) scanHostRun(text, rs, re, tlds, out);
      else {
        for (let q = rs; q + 9 <= re; q++) {
          if (!isLocalhostAt(text, q)) continue;
          out.push({ index: q, end: q + 9, entity: { name: "localhost", type: "server" } });
          q += 8;
        }
      }
      rs = re;
    }
    return out;
  };
}

/** `\blocalhost\b`, case-insensitive, at q. */
const isLocalhostAt = (text: string, q: number) =>
  isAsciiAlnum(text.charCodeAt(q)) && asciiBoundary(text, q) && asciiBoundary(text, q + 9) && text.slice(q, q + 9).toLowerCase() === "localhost";

const MAX_LABEL = 63;
/** The longest TLD the rule knows ("localdomain"); a longer segment is never one. */
const MAX_TLD = 11;

/** Per-segment scratch for scanHostRun, grown as needed and reused: a run is read without allocating. */
let scratch = new Int32Array(0);

function scanHostRun(text: string, rs: number, re: number, tlds: ReadonlySet<string>, out: RuleMatch[]): void {
  let n = 1;
  for (let i = rs; i < re; i++) if (text.charCodeAt(i) === 46) n++;
  if (scratch.length < 5 * n) scratch = new Int32Array(Math.max(5 * n, 2 * scratch.length, 1024));
  // Five columns: segment start, segment end, TLD end (-1: none), chain end, last TLD at or before.
  const S = 0;
  const E = n;
  const T = 2 * n;
  const C = 3 * n;
  const L = 4 * n;
  for (let i = 0, s = rs; i < n; i++) {
    let e = s;
    while (e < re && text.charCodeAt(e) !== 46) e++;
    scratch[S + i] = s;
    scratch[E + i] = e;
    // The TLD a segment may close a host name with: its leading letters, a known TLD, then a word boundary.
    let k = s;
    while (k < e && isAsciiAlnum(text.charCodeAt(k))) k++;
    scratch[T + i] = k > s && k - s <= MAX_TLD && asciiBoundary(text, k) && tlds.has(text.slice(s, k).toLowerCase()) ? k : -1;
    s = e + 1;
  }
  /** A label that ends where segment i ends and starts at `from`: 1-63 characters, alphanumeric at both ends. */
  const labelFrom = (i: number, from: number) => {
    const end = scratch[E + i]!;
    return end - from >= 1 && end - from <= MAX_LABEL && isAsciiAlnum(text.charCodeAt(from)) && isAsciiAlnum(text.charCodeAt(end - 1));
  };
  // Chain end: the first segment from i on that is not a label followed by a dot. Last TLD: the last segment <= i that is one.
  for (let i = n - 1; i >= 0; i--) scratch[C + i] = i < n - 1 && labelFrom(i, scratch[S + i]!) ? scratch[C + i + 1]! : i;
  for (let i = 0; i < n; i++) scratch[L + i] = scratch[T + i]! >= 0 ? i : i > 0 ? scratch[L + i - 1]! : -1;

  let seg = 0;
  for (let q = rs; q < re; ) {
    while (scratch[E + seg]! < q) seg++;
    if (!isAsciiAlnum(text.charCodeAt(q)) || !asciiBoundary(text, q)) {
      q++;
      continue;
    }
    let end = -1;
    // The first label is the rest of this segment from q; the chain goes on from the next one.
    const atStart = q === scratch[S + seg];
    if (atStart ? scratch[C + seg]! > seg : seg < n - 1 && labelFrom(seg, q)) {
      const tld = scratch[L + (atStart ? scratch[C + seg]! : scratch[C + seg + 1]!)]!;
      if (tld > seg) end = scratch[T + tld]!;
    }
    if (end < 0 && isLocalhostAt(text, q)) end = q + 9;
    if (end < 0) {
      q++;
      continue;
    }
    out.push({ index: q, end, entity: { name: text.slice(q, end).toLowerCase(), type: "server" } });
    q = end;
  }
}
