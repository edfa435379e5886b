import type { MemoryRow } from "../../db/index.js";
import { STOPWORDS } from "../../text/index.js";
import type { CandidateAction } from "./store.js";

export type Period = "day" | "week" | "month";

const PERIOD_DAYS: Record<Period, number> = { day: 1, week: 7, month: 30 };
const PERIOD_WORDS: Record<Period, string> = { day: "today", week: "this week", month: "this month" };
const DAY_MS = 86_400_000;
const THEMES = 5;
const SNIPPET_CHARS = 120;

/** The window a period reflection looks at: the last day, 7 days or 30 days up to `now`. */
export function periodWindow(period: Period, now: Date): { start: string; end: string } {
  return { start: new Date(now.getTime() - PERIOD_DAYS[period] * DAY_MS).toISOString(), end: now.toISOString() };
}

/** The `n` most frequent keys, most frequent first; ties keep first-seen order. */
function top(counts: Map<string, number>, n: number): string[] {
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k]) => k);
}

const bump = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

/** Words worth naming as a theme: three letters or more, not a stopword, not a bare number. */
function themeWords(text: string): Set<string> {
  const out = new Set<string>();
  for (const w of text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}_-]*/gu) ?? []) {
    if (w.length >= 3 && !STOPWORDS.has(w) && !/^[\d_-]+$/.test(w)) out.add(w);
  }
  return out;
}

const snippet = (text: string) => {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > SNIPPET_CHARS ? `${flat.slice(0, SNIPPET_CHARS)}…` : flat;
};

/**
 * The rules path of a period reflection (contracts/intelligence.md §5.4): themes are the top
 * five tags and words by how many memories carry them (tags first on a tie), and the text
 * says how many memories there were, their main categories, the themes and the most important.
 * `memories` come most important first.
 */
export function periodSummary(memories: readonly MemoryRow[], period: Period): { content: string; themes: string[] } {
  if (memories.length === 0) return { content: "No memories in this period.", themes: [] };
  const categories = new Map<string, number>();
  const themes = new Map<string, number>();
  for (const m of memories) bump(categories, m.category);
  for (const m of memories) for (const t of m.tags) bump(themes, t);
  for (const m of memories) for (const w of themeWords(m.content)) bump(themes, w);
  const chosen = top(themes, THEMES);
  const n = memories.length;
  const parts = [
    `${n} ${n === 1 ? "memory" : "memories"} ${PERIOD_WORDS[period]}`,
    `mostly ${top(categories, 2).join(" and ")}`,
    ...(chosen.length ? [`recurring: ${chosen.join(", ")}`] : []),
    `most important: ${snippet(memories[0]!.content)}`,
  ];
  return { content: parts.join("; "), themes: chosen };
}

/** Candidates start at this importance; at RECONSOLIDATE_FROM and above the rule says reconsolidate. */
export const MIN_CANDIDATE_IMPORTANCE = 6;
const RECONSOLIDATE_FROM = 8;

/** The rules path of /reflections/generate: an importance bucket picks the action. */
export function bucketAction(importance: number): CandidateAction {
  return importance >= RECONSOLIDATE_FROM ? "reconsolidate" : "enrich";
}

/** `[<action>] unused <category> memory (importance N): <first 120 chars>`, or the LLM's rationale in place of the excerpt. */
export function candidateText(action: CandidateAction, m: MemoryRow, rationale?: string): string {
  const head = `[${action}] unused ${m.category} memory (importance ${m.importance})`;
  return `${head}: ${rationale ?? m.content.slice(0, SNIPPET_CHARS)}`;
}
