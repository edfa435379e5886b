import type { TranscriptMessage } from "./transcript.js";

export type ExtractedCategory = "decision" | "preference" | "fact" | "error-resolution";

export interface Extracted {
  content: string;
  category: ExtractedCategory;
  importance: number;
}

/**
 * Rule-based extraction: sentences that carry a decision, a preference, a project fact or a
 * resolved error. Precision over recall: a missed sentence costs little, a stored chatty one
 * pollutes every later search. An LLM extractor can take this function's place later.
 */

const MIN_CHARS = 20;
const MAX_CHARS = 400;

/** Speculation, plans and narration are not settled knowledge. */
const HEDGE = /\b(maybe|perhaps|might|probably|not sure|i think|i guess|i wonder|could we|should we|shall we|let me|i'll|i will|i'm going to|if we|whether)\b/i;

const RULES: { category: ExtractedCategory; importance: number; roles: TranscriptMessage["role"][]; test: (s: string) => boolean }[] = [
  {
    category: "error-resolution",
    importance: 6,
    roles: ["user", "assistant"],
    test: (s) =>
      /\b(the fix was|fixed (by|it|this|that|the)|resolved by|solved by|was caused by|the (root )?cause was|the (problem|issue|bug) was)\b/i.test(s) &&
      !/\b(not|n't|never|still|to be|will be|needs? to be)\s+(been\s+)?(fixed|resolved|solved)\b/i.test(s),
  },
  {
    category: "decision",
    importance: 7,
    roles: ["user", "assistant"],
    test: (s) => /\b(we decided|i decided|decided to|the decision is|let's use|let us use|let's go with|going with|we('ll| will) use|we settled on|settled on|opted for|we chose)\b/i.test(s),
  },
  {
    // Preferences are the user's; the assistant saying "always" is narration.
    category: "preference",
    importance: 7,
    roles: ["user"],
    test: (s) =>
      /\b(i prefer|i'd prefer|i would prefer|i'd rather|i don't like|i do not like|i want you to)\b/i.test(s) ||
      /^(please\s+)?(always|never|don't ever|do not ever)\b/i.test(s) ||
      /\b(you|we) (should|must) (always|never)\b/i.test(s),
  },
  {
    category: "fact",
    importance: 5,
    roles: ["user", "assistant"],
    test: (s) =>
      /^(the|our|this)\s+([\w./@-]+\s+){0,3}?(project|repo|repository|codebase|app|application|service|server|api|database|db|schema|backend|frontend|build|ci|pipeline|deployment|stack|config|configuration|cluster|package|module|library|cli|test suite|default branch|main branch|environment|endpoint|port)\s+(is|are|uses|runs on|runs|lives in|depends on|requires|listens on|is written in|is deployed (to|on))\s+\S/i.test(s) &&
      !/\b(now|currently|still|failing|broken|down|done|ready|working|empty)\b/i.test(s),
  },
];

export function extractMemories(message: TranscriptMessage): Extracted[] {
  const seen = new Set<string>();
  const out: Extracted[] = [];
  for (const sentence of message.texts.flatMap(sentences)) {
    if (sentence.length < MIN_CHARS || sentence.length > MAX_CHARS || sentence.endsWith("?") || HEDGE.test(sentence)) continue;
    const rule = RULES.find((r) => r.roles.includes(message.role) && r.test(sentence));
    const key = sentence.toLowerCase();
    if (!rule || seen.has(key)) continue;
    seen.add(key);
    out.push({ content: sentence, category: rule.category, importance: rule.importance });
  }
  return out;
}

/**
 * Prose sentences of a message: code blocks and harness markup (system reminders, slash-command
 * echoes) removed, list markers and emphasis stripped, split at sentence ends and line breaks.
 */
function sentences(text: string): string[] {
  const prose = removeHarnessMarkup(text.replace(/```[\s\S]*?(```|$)/g, "\n"));
  return prose
    .split(/\n+|(?<=[.!?])\s+(?=[A-Z`"'(])/)
    .map((s) =>
      s
        .replace(/^\s*(?:[-*+>]|\d+[.)])\s+/, "")
        .replace(/\*\*|__/g, "")
        .replace(/\s+/g, " ")
        .trim(),
    )
    .filter(Boolean);
}

const OPEN_TAG = /<(system-reminder|command-[\w-]+|local-command-[\w-]+)>/g;
const CLOSE_TAG = /<\/(system-reminder|command-[\w-]+|local-command-[\w-]+)>/g;

/**
 * Each `<tag>…</tag>` block of harness markup replaced by a line break, as
 * `text.replace(/<(system-reminder|command-[\w-]+|local-command-[\w-]+)>[\s\S]*?<\/\1>/g, "\n")`
 * does, in linear time. That expression searches the rest of the text for a closing tag from
 * every opening one, so a message of unclosed "<system-reminder>" tags was quadratic (200 ms
 * for 100 KB, growing fourfold per doubling). Here the closing tags are listed once, by name,
 * and each opening tag takes the first of its name after it.
 */
export function removeHarnessMarkup(text: string): string {
  const closings = new Map<string, number[]>();
  for (const m of text.matchAll(CLOSE_TAG)) {
    const list = closings.get(m[1]!);
    if (list) list.push(m.index);
    else closings.set(m[1]!, [m.index]);
  }
  if (closings.size === 0) return text;
  const next = new Map<string, number>();
  const parts: string[] = [];
  let at = 0;
  for (const m of text.matchAll(OPEN_TAG)) {
    const name = m[1]!;
    const list = closings.get(name);
    if (m.index < at || !list) continue;
    const from = m.index + m[0].length;
    let k = next.get(name) ?? 0;
    while (k < list.length && list[k]! < from) k++;
    next.set(name, k);
    if (k === list.length) continue;
    parts.push(text.slice(at, m.index), "\n");
    at = list[k]! + name.length + 3;
  }
  parts.push(text.slice(at));
  return parts.join("");
}
