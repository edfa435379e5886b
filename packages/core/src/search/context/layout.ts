/**
 * How a section's memories are laid out: one line each, the memories of one session side by side
 * in session order, and a leading prefix that consecutive lines share ("[general] [8 May, 2023]",
 * "[rule] deploy:") printed once above them instead of on every line. Nothing here knows a
 * dataset's format: a prefix is any common start that ends at a closing bracket or a colon
 * followed by a space, so "[date] Speaker: text", "2024-05-01: text" and "[project] text" all
 * share theirs, and the text after it is printed whole.
 */

/** A memory placed in a section; `group` is the session (or other key) it is shown with. */
export interface Placed {
  id: number;
  /** The memory's line before layout: `[category] content`, whitespace collapsed. */
  line: string;
  group: string;
  createdAt: string;
}

/** A run of lines printed under one shared prefix, or a single line (prefix 0). */
interface Run {
  members: Placed[];
  prefix: number;
}

/** A shared prefix shorter than this saves less than its own header line costs. */
const MIN_PREFIX_CHARS = 8;
const DELIMITERS = new Set(["]", ")", ":"]);

export const memoryLine = (category: string, content: string): string => `[${category}] ${content.replace(/\s+/g, " ").trim()}`;

/**
 * The length of the longest prefix all `lines` share that ends at a delimiter followed by a
 * space (so each line keeps some text after it), or 0 when there is none of MIN_PREFIX_CHARS.
 */
export function sharedPrefix(lines: readonly string[]): number {
  if (lines.length < 2) return 0;
  const first = lines[0]!;
  let common = first.length;
  for (const l of lines.slice(1)) {
    let i = 0;
    while (i < common && i < l.length && l[i] === first[i]) i++;
    common = i;
  }
  // The cut sits before a space that every line has at that position (it is inside `common`).
  for (let p = Math.min(common, first.length - 1); p >= MIN_PREFIX_CHARS; p--) {
    if (first[p] === " " && p < common && DELIMITERS.has(first[p - 1]!)) return p;
  }
  return 0;
}

/**
 * Groups in order of their best member (the order `placed` lists them in), each group's members
 * in the order they were written, split greedily into runs that share a prefix.
 */
export function arrange(placed: readonly Placed[]): Run[] {
  const groups = new Map<string, Placed[]>();
  for (const p of placed) {
    const g = groups.get(p.group);
    if (g) g.push(p);
    else groups.set(p.group, [p]);
  }
  const runs: Run[] = [];
  for (const members of groups.values()) {
    members.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id - b.id));
    let run: Run | null = null;
    for (const m of members) {
      const prefix: number = run ? sharedPrefix([...run.members, m].map((x) => x.line)) : 0;
      if (run && prefix > 0) {
        run.members.push(m);
        run.prefix = prefix;
      } else {
        run = { members: [m], prefix: 0 };
        runs.push(run);
      }
    }
  }
  return runs;
}

/** The printed lines of a run, each with the memory it shows; the prefix line goes with the first member. */
export function runLines(run: Run): { id: number; text: string }[] {
  if (run.prefix === 0) return run.members.map((m) => ({ id: m.id, text: `- ${m.line}\n` }));
  const header = `${run.members[0]!.line.slice(0, run.prefix)}\n`;
  return run.members.map((m, i) => ({ id: m.id, text: `${i === 0 ? header : ""}- ${m.line.slice(run.prefix + 1)}\n` }));
}

/** A section's body: its runs' lines in order. */
export function layOut(placed: readonly Placed[]): { id: number; text: string }[] {
  return arrange(placed).flatMap(runLines);
}
