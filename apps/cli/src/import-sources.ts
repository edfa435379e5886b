import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { StoreRequest } from "@engram/client";

/**
 * What `engram-cli import` reads, turned into store requests before anything is sent, so the
 * total is known up front (for the progress bar) and unreadable entries are reported in order.
 *
 * - A `.jsonl` file: one JSON object per line, shaped like a POST /store body
 *   ({content, category?, tags?, importance?, source?, is_static?, session_id?, space_id?}).
 *   Blank lines are skipped. A line that is not a JSON object is a failed entry; the server
 *   judges the fields, and its message is reported with the line number.
 * - A folder: every Markdown file under it (.md, .markdown; hidden files and folders
 *   skipped), in path order, one memory per top-level section (see `markdownSections`),
 *   tagged with the file's name (without extension).
 * Entries get source "import" unless they name their own.
 */

export const IMPORT_SOURCE = "import";

export interface ImportDefaults {
  category?: string | undefined;
  source?: string | undefined;
  tags?: string[] | undefined;
  space?: number | undefined;
}

/** One memory to store, or the reason an entry could not become one; `where` says which entry. */
export type ImportEntry = { where: string; request: StoreRequest } | { where: string; error: string };

export async function readImportEntries(target: string, defaults: ImportDefaults): Promise<ImportEntry[]> {
  let info;
  try {
    info = await stat(target);
  } catch {
    throw new Error(`cannot read ${target}: no such file or folder`);
  }
  if (info.isDirectory()) return markdownFolderEntries(target, defaults);
  if (/\.jsonl$/i.test(target)) return jsonlEntries(target, await readFile(target, "utf8"), defaults);
  throw new Error(`cannot import ${target}: expected a .jsonl file or a folder of Markdown files`);
}

export function jsonlEntries(file: string, text: string, defaults: ImportDefaults): ImportEntry[] {
  const name = path.basename(file);
  const entries: ImportEntry[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${name} line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      entries.push({ where, error: "not valid JSON" });
      return;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      entries.push({ where, error: "not a JSON object" });
      return;
    }
    entries.push({ where, request: withDefaults(value as StoreRequest, defaults, []) });
  });
  return entries;
}

async function markdownFolderEntries(folder: string, defaults: ImportDefaults): Promise<ImportEntry[]> {
  const entries: ImportEntry[] = [];
  for (const file of await markdownFiles(folder)) {
    const rel = path.relative(folder, file);
    const tag = path.basename(file).replace(/\.(md|markdown)$/i, "");
    for (const section of markdownSections(await readFile(file, "utf8"))) {
      const where = section.heading ? `${rel} § ${section.heading}` : rel;
      entries.push({ where, request: withDefaults({ content: section.content }, defaults, [tag]) });
    }
  }
  return entries;
}

async function markdownFiles(folder: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue;
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) found.push(...(await markdownFiles(full)));
    else if (entry.isFile() && /\.(md|markdown)$/i.test(entry.name)) found.push(full);
  }
  return found.sort();
}

/** The entry's own values win; the command's defaults fill the gaps, extra tags are added. */
function withDefaults(req: StoreRequest, d: ImportDefaults, extraTags: string[]): StoreRequest {
  const tags = [...extraTags, ...(d.tags ?? [])];
  return {
    ...req,
    category: req.category ?? d.category,
    source: req.source ?? d.source ?? IMPORT_SOURCE,
    space_id: req.space_id ?? d.space,
    // Tags that are not a list are left for the server to reject with its own message.
    tags: tags.length === 0 ? req.tags : Array.isArray(req.tags) ? [...req.tags, ...tags] : req.tags ?? tags,
  };
}

export interface MarkdownSection {
  /** The section's heading text, null for text before the first heading. */
  heading: string | null;
  /** The section as written, heading line included. */
  content: string;
}

/**
 * Headings and fences are read with a loop, not `^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$` and
 * `^ {0,3}(`{3,}|~{3,})(.*)$`: with a lazy body before a trailing run, or a run the engine can
 * give back a character at a time, those backtrack quadratically on a long line ("# # # …"
 * took 21 s at 100 KB). Same results: neither crosses a line terminator (`.` does not).
 */
const LINE_TERMINATOR = /[\r\n\u2028\u2029]/;

const indentOf = (line: string) => (line.startsWith("   ") ? 3 : line.startsWith("  ") ? 2 : line.startsWith(" ") ? 1 : 0);

/** Up to three spaces of indent, then a run of `ch`: where the run starts and ends. */
function indentedRun(line: string, ch: string): { start: number; end: number } {
  const start = indentOf(line);
  let end = start;
  while (line[end] === ch) end++;
  return { start, end };
}

/** An ATX heading: 1-6 `#`, blank, the text without trailing blanks and `#`s. */
export function headingOf(line: string): { level: number; text: string } | null {
  const { start, end } = indentedRun(line, "#");
  const level = end - start;
  if (level < 1 || level > 6 || (line[end] !== " " && line[end] !== "\t")) return null;
  let from = end;
  while (line[from] === " " || line[from] === "\t") from++;
  if (LINE_TERMINATOR.test(line.slice(from))) return null;
  let to = line.length;
  while (to > from && (line[to - 1] === " " || line[to - 1] === "\t" || line[to - 1] === "#")) to--;
  return { level, text: line.slice(from, to) };
}

/** A code fence: three or more backticks or tildes, and what follows them. */
export function fenceOf(line: string): { marker: string; info: string } | null {
  const first = line[indentOf(line)];
  if (first !== "`" && first !== "~") return null;
  const { start, end } = indentedRun(line, first);
  if (end - start < 3 || LINE_TERMINATOR.test(line.slice(end))) return null;
  return { marker: line.slice(start, end), info: line.slice(end) };
}

/**
 * A Markdown file cut into its top-level sections: at every heading of the shallowest level
 * the file uses (`#` if it has any, else `##`, ...). Each section keeps its heading as its
 * first line, so it reads on its own; text before the first heading is a section of its own;
 * a file without headings is one section. Headings inside fenced code blocks do not count,
 * a leading YAML front matter block is dropped, and a section with nothing under its
 * heading is skipped.
 */
export function markdownSections(text: string): MarkdownSection[] {
  const lines = text.replace(/^---\r?\n[\s\S]*?\r?\n---[ \t]*(\r?\n|$)/, "").split(/\r?\n/);
  const headings: { line: number; level: number; text: string }[] = [];
  let fence: string | null = null;
  lines.forEach((line, i) => {
    const f = fenceOf(line);
    if (f) {
      if (fence === null) fence = f.marker;
      // Only a bare run of the same character, at least as long, closes the block.
      else if (f.marker[0] === fence[0] && f.marker.length >= fence.length && !f.info.trim()) fence = null;
      return;
    }
    const h = fence === null ? headingOf(line) : null;
    if (h) headings.push({ line: i, level: h.level, text: h.text });
  });
  // A loop, not Math.min(...levels): spreading a long array overflows the call stack.
  const top = headings.reduce((min, h) => Math.min(min, h.level), Infinity);
  const cuts = headings.filter((h) => h.level === top);

  const sections: MarkdownSection[] = [];
  const push = (heading: string | null, from: number, to: number) => {
    const body = lines.slice(heading === null ? from : from + 1, to).join("\n").trim();
    if (body) sections.push({ heading, content: lines.slice(from, to).join("\n").trim() });
  };
  push(null, 0, cuts[0]?.line ?? lines.length);
  cuts.forEach((c, i) => push(c.text, c.line, cuts[i + 1]?.line ?? lines.length));
  return sections;
}
