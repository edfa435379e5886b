import { z } from "zod";
import { isoNow, type CoreContext } from "../../context.js";
import type { MemoryRow, ReflectionRow } from "../../db/index.js";
import { notFound } from "../../errors.js";
import type { LlmClient } from "../../llm/index.js";
import type { MemoryService } from "../../memory/index.js";
import { bucketAction, candidateText, MIN_CANDIDATE_IMPORTANCE, periodSummary, periodWindow, type Period } from "./rules.js";
import { CANDIDATE_ACTIONS, type ReflectionStore } from "./store.js";

export type Method = "rules" | "llm";

export interface ReflectionInput {
  content: string;
  sourceMemoryIds: readonly number[];
  reflectionType: string;
  confidence: number;
}

export interface MethodReflection {
  reflection: ReflectionRow;
  method: Method;
}

/** Candidates must be at least this old: a week without being recalled. */
const CANDIDATE_AGE_MS = 7 * 86_400_000;
const MAX_THEMES = 10;
const MAX_THEME_CHARS = 100;
const MAX_TEXT_CHARS = 2000;

const PERIOD_PROMPT = `You summarise what a person stored in their memory over a period.
Answer with JSON only: {"summary": "<two or three sentences>", "themes": ["<short theme>", ...]} with at most ${MAX_THEMES} themes.`;
const periodSchema = z.object({
  summary: z.string().trim().min(1).transform((s) => s.slice(0, MAX_TEXT_CHARS)),
  themes: z
    .array(z.string())
    .transform((ts) => ts.map((t) => t.trim().slice(0, MAX_THEME_CHARS)).filter(Boolean).slice(0, MAX_THEMES)),
});

const CANDIDATE_PROMPT = `A stored memory has not been recalled for a week or more although it is marked important.
Decide what to do with it: "enrich" (add context so it is found), "reconsolidate" (rewrite or merge it), or "archive" (no longer useful).
Answer with JSON only: {"action": "enrich" | "reconsolidate" | "archive", "rationale": "<one sentence>"}`;
const candidateSchema = z.object({
  action: z.enum(CANDIDATE_ACTIONS),
  rationale: z.string().trim().min(1).transform((s) => s.slice(0, 500)),
});

/**
 * Reflections (contracts/intelligence.md §5.4): written by hand, over a period, or proposed for
 * important memories nobody recalls. Each path has its rules version; the LLM, when set,
 * writes the text instead, and any failure of it falls back to the rules for that input.
 */
export class Reflections {
  constructor(
    private readonly ctx: CoreContext,
    private readonly memories: MemoryService,
    private readonly store: ReflectionStore,
    private readonly llm: LlmClient,
  ) {}

  /** A reflection from given text; each source must be the user's memory (the first that is not is a 404 naming it). */
  create(userId: number, input: ReflectionInput): ReflectionRow {
    for (const id of input.sourceMemoryIds) {
      const m = this.memories.find(userId, id);
      if (!m || m.isForgotten) throw notFound(`memory ${id}`);
    }
    return this.store.insert({
      userId,
      content: input.content,
      reflectionType: input.reflectionType,
      themes: [],
      periodStart: null,
      periodEnd: null,
      sourceMemoryIds: [...input.sourceMemoryIds],
      confidence: input.confidence,
      createdAt: isoNow(this.ctx),
    });
  }

  list(userId: number, limit: number, type?: string): ReflectionRow[] {
    return this.store.list(userId, limit, type);
  }

  /** A `period` reflection over the live memories created in the last day, week or month. */
  async reflectOnPeriod(userId: number, period: Period): Promise<MethodReflection> {
    const now = this.ctx.clock.now();
    const { start, end } = periodWindow(period, now);
    const memories = this.memories.byIds(userId, this.store.inPeriod(userId, start, end));
    let text = periodSummary(memories, period);
    let method: Method = "rules";
    if (memories.length > 0 && this.llm.configured) {
      const input = memories.map((m) => `- (${m.category}, importance ${m.importance}) ${m.content.slice(0, 500)}`).join("\n");
      const r = await this.llm.complete({ feature: "reflect", system: PERIOD_PROMPT, input, schema: periodSchema, temperature: 0.3 });
      if (r.ok) {
        text = { content: r.value.summary, themes: r.value.themes };
        method = "llm";
      }
    }
    const reflection = this.store.insert({
      userId,
      content: text.content,
      reflectionType: "period",
      themes: text.themes,
      periodStart: start,
      periodEnd: end,
      sourceMemoryIds: memories.map((m) => m.id),
      confidence: 1,
      createdAt: now.toISOString(),
    });
    return { reflection, method };
  }

  /**
   * One reflection per candidate: a live memory of importance ≥ 6, at least 7 days old, never
   * recalled, not yet the subject of a generated reflection, most important first.
   */
  async generate(userId: number, limit: number): Promise<MethodReflection[]> {
    const olderThan = new Date(this.ctx.clock.now().getTime() - CANDIDATE_AGE_MS).toISOString();
    const candidates = this.memories.byIds(userId, this.store.candidates(userId, olderThan, MIN_CANDIDATE_IMPORTANCE, limit));
    const out: MethodReflection[] = [];
    for (const m of candidates) {
      const decided = await this.decide(m);
      const reflection = this.store.insert({
        userId,
        content: candidateText(decided.action, m, decided.rationale),
        reflectionType: decided.action,
        themes: [],
        periodStart: null,
        periodEnd: null,
        sourceMemoryIds: [m.id],
        confidence: m.importance / 10,
        createdAt: isoNow(this.ctx),
      });
      out.push({ reflection, method: decided.method });
    }
    return out;
  }

  /** The LLM's action for this candidate, or the importance bucket when there is none or it fails. */
  private async decide(m: MemoryRow): Promise<{ action: (typeof CANDIDATE_ACTIONS)[number]; rationale?: string; method: Method }> {
    if (this.llm.configured) {
      const input = `Category: ${m.category}\nImportance: ${m.importance}\nStored: ${m.createdAt}\nMemory: ${m.content.slice(0, 2000)}`;
      const r = await this.llm.complete({ feature: "reflections_generate", system: CANDIDATE_PROMPT, input, schema: candidateSchema, temperature: 0.3 });
      if (r.ok) return { action: r.value.action, rationale: r.value.rationale, method: "llm" };
    }
    return { action: bucketAction(m.importance), method: "rules" };
  }
}
