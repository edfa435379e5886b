import { isoNow, type CoreContext } from "../../context.js";
import type { MemoryService } from "../../memory/index.js";
import { TemporalStore, type NewTemporalPattern, type TemporalPatternRow, type WindowMemory } from "./store.js";

const DAY_MS = 24 * 3600 * 1000;
const WEEK_MS = 7 * DAY_MS;
/** Detection and sequences read the last 90 days, at most this many memories (the newest). */
const WINDOW_DAYS = 90;
const WINDOW_CAP = 20_000;
const WEEKS_IN_WINDOW = Math.ceil(WINDOW_DAYS / 7);
const MIN_BUCKET_MEMORIES = 3;
const MIN_BUCKET_WEEKS = 2;
/** A pattern keeps the ids of its newest memories only, so a busy hour does not make a huge row. */
const MAX_PATTERN_IDS = 50;
/** Sequences look at most this many following memories per antecedent, so one burst stays linear. */
const MAX_FOLLOWERS = 50;
const MAX_SEQUENCES = 50;
const MAX_PROACTIVE = 10;

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const pad2 = (n: number) => String(n).padStart(2, "0");
const round2 = (x: number) => Math.round(x * 100) / 100;

/** The most frequent value (first seen among equals), or null for none. */
function mostFrequent(values: readonly string[]): string | null {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  for (const [v, n] of counts) if (best === null || n > counts.get(best)!) best = v;
  return best;
}

export interface PredictiveRecall {
  time_context: { day_of_week: number; weekday: string; hour: number; matched_patterns: string[] };
  predicted_categories: string[];
  predicted_project: string | null;
  proactive_memories: { id: number; content: string; category: string; importance: number; reason: string; score: number }[];
  suggested_actions: string[];
}

export interface SequencePattern {
  antecedent: string;
  consequent: string;
  support: number;
  confidence: number;
}

/**
 * When a tenant writes what: weekday/hour buckets (UTC) over the last 90 days, the memories a
 * matching bucket predicts for now, and which category tends to follow which.
 */
export class TemporalService {
  private readonly store: TemporalStore;

  constructor(
    private readonly ctx: CoreContext,
    private readonly memories: MemoryService,
  ) {
    this.store = new TemporalStore(ctx.db);
  }

  private window(userId: number): WindowMemory[] {
    const since = new Date(this.ctx.clock.now().getTime() - WINDOW_DAYS * DAY_MS).toISOString();
    return this.store.window(userId, since, WINDOW_CAP);
  }

  /**
   * Buckets the window's memories by weekday and hour; a bucket of ≥ 3 memories in ≥ 2 distinct
   * weeks is a pattern, with confidence = the share of the window's weeks it occurred in. The
   * patterns replace the user's earlier detection.
   */
  detect(userId: number): TemporalPatternRow[] {
    const buckets = new Map<string, { dow: number; hour: number; members: WindowMemory[]; weeks: Set<number> }>();
    for (const m of this.window(userId)) {
      const t = new Date(m.createdAt);
      const dow = t.getUTCDay();
      const hour = t.getUTCHours();
      const key = `dow:${dow},hour:${hour}`;
      let b = buckets.get(key);
      if (!b) buckets.set(key, (b = { dow, hour, members: [], weeks: new Set() }));
      b.members.push(m);
      b.weeks.add(Math.floor(t.getTime() / WEEK_MS));
    }
    const patterns: NewTemporalPattern[] = [];
    for (const [label, b] of buckets) {
      if (b.members.length < MIN_BUCKET_MEMORIES || b.weeks.size < MIN_BUCKET_WEEKS) continue;
      const category = mostFrequent(b.members.map((m) => m.category));
      patterns.push({
        label,
        detail: `${b.members.length} memories on ${WEEKDAYS[b.dow]}s around ${pad2(b.hour)}:00, mostly ${category}`,
        pattern_type: "weekly",
        day_of_week: b.dow,
        hour: b.hour,
        category,
        memory_ids: b.members.slice(0, MAX_PATTERN_IDS).map((m) => m.id),
        confidence: round2(Math.min(1, b.weeks.size / WEEKS_IN_WINDOW)),
      });
    }
    patterns.sort((a, b) => b.confidence - a.confidence || b.memory_ids.length - a.memory_ids.length || a.label.localeCompare(b.label));
    return this.store.replace(userId, patterns, isoNow(this.ctx));
  }

  patterns(userId: number, limit: number): TemporalPatternRow[] {
    return this.store.patterns(userId, limit);
  }

  /**
   * What the stored patterns of the current weekday and hour (UTC) predict: their categories,
   * the most frequent tag of their memories as the project, and those memories still live,
   * ranked by pattern confidence × importance.
   */
  predictiveRecall(userId: number): PredictiveRecall {
    const now = this.ctx.clock.now();
    const dow = now.getUTCDay();
    const hour = now.getUTCHours();
    const matched = this.store.patternsAt(userId, dow, hour);
    const confidenceOf = new Map<number, { confidence: number; label: string }>();
    for (const p of matched) for (const id of p.memory_ids) if (!confidenceOf.has(id)) confidenceOf.set(id, { confidence: p.confidence, label: p.label });
    const live = this.memories
      .byIds(userId, [...confidenceOf.keys()])
      .filter((m) => m.isLatest && !m.isForgotten && !m.isArchived && m.reviewStatus === "approved" && !m.isSuperseded);
    const when = `${WEEKDAYS[dow]}s around ${pad2(hour)}:00`;
    const proactive = live
      .map((m) => {
        const p = confidenceOf.get(m.id)!;
        return { id: m.id, content: m.content, category: m.category, importance: m.importance, reason: `written on ${when} (pattern ${p.label})`, score: round2((p.confidence * m.importance) / 10) };
      })
      .sort((a, b) => b.score - a.score || b.id - a.id)
      .slice(0, MAX_PROACTIVE);
    const categories = [...new Set(matched.map((p) => p.category).filter((c): c is string => c !== null))];
    return {
      time_context: { day_of_week: dow, weekday: WEEKDAYS[dow]!, hour, matched_patterns: matched.map((p) => p.label) },
      predicted_categories: categories,
      predicted_project: mostFrequent(live.flatMap((m) => m.tags)),
      proactive_memories: proactive,
      suggested_actions: categories.map((c) => `You usually write ${c} memories on ${when}: review the recent ones.`),
    };
  }

  /**
   * Category A followed by category B (B ≠ A) within `windowMins`, counted once per A memory:
   * support = how many A memories were followed by a B, confidence = support / A memories.
   * Pairs seen at least twice, strongest first.
   */
  sequences(userId: number, windowMins: number): SequencePattern[] {
    // Oldest first by creation time (the window comes newest id first).
    const ms = this.window(userId).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id);
    const windowMs = windowMins * 60_000;
    const perCategory = new Map<string, number>();
    const pairs = new Map<string, { antecedent: string; consequent: string; support: number }>();
    for (let i = 0; i < ms.length; i++) {
      const a = ms[i]!;
      perCategory.set(a.category, (perCategory.get(a.category) ?? 0) + 1);
      const start = Date.parse(a.createdAt);
      const followers = new Set<string>();
      for (let j = i + 1; j < ms.length && j <= i + MAX_FOLLOWERS; j++) {
        const b = ms[j]!;
        if (Date.parse(b.createdAt) - start > windowMs) break;
        if (b.category !== a.category) followers.add(b.category);
      }
      for (const c of followers) {
        const key = JSON.stringify([a.category, c]);
        const p = pairs.get(key) ?? { antecedent: a.category, consequent: c, support: 0 };
        p.support++;
        pairs.set(key, p);
      }
    }
    return [...pairs.values()]
      .filter((p) => p.support >= 2)
      .map((p) => ({ ...p, confidence: round2(p.support / perCategory.get(p.antecedent)!) }))
      .sort((a, b) => b.support - a.support || b.confidence - a.confidence || a.antecedent.localeCompare(b.antecedent) || a.consequent.localeCompare(b.consequent))
      .slice(0, MAX_SEQUENCES);
  }
}
