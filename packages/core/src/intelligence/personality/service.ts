import { isoNow, type CoreContext } from "../../context.js";
import type { MemoryService } from "../../memory/index.js";
import { detectSignals, SIGNAL_TYPES, type DetectedSignal, type SignalType, type Valence } from "./detect.js";
import { PersonalityStore, type NewSignal, type SignalRow } from "./store.js";
import { rulesSummary } from "./summary.js";

/** A memory shorter than this carries too little to read a personality from (§5.7). */
const MIN_MEMORY_CHARS = 20;
/** Traits are the mean of each type's latest this-many signals; synthesis reads this many memories. */
const WINDOW = 200;
const TOP_SUBJECTS = 5;

export interface Signal {
  id: number;
  memory_id: number | null;
  signal_type: string;
  subject: string | null;
  valence: string;
  value: number;
  intensity: number;
  reasoning: string | null;
  source_text: string | null;
  evidence: string | null;
  agent: string | null;
  user_id: number;
  created_at: string;
}

export interface PersonalityProfile {
  user_id: number;
  traits: Record<string, number>;
  counts: Record<string, number>;
  signal_count: number;
  last_updated_at: string;
  created_at: string;
}

/** Signals for a text by the LLM when configured; null falls back to the rules detector. */
export type SignalClassifier = (text: string) => Promise<DetectedSignal[] | null>;
/** A prose portrait from the top subjects per type; null falls back to the rules summary. */
export type ProfileWriter = (top: Partial<Record<SignalType, { subject: string; valence: string }[]>>) => Promise<string | null>;

const signalDto = (r: SignalRow): Signal => ({
  id: r.id,
  memory_id: r.memoryId,
  signal_type: r.signalType,
  subject: r.subject,
  valence: r.valence,
  value: r.value,
  intensity: r.intensity,
  reasoning: r.reasoning,
  source_text: r.sourceText,
  evidence: r.evidence,
  agent: r.agent,
  user_id: r.userId,
  created_at: r.createdAt,
});

const derived = (memoryId: number, agent: string | null, method: string) => (s: DetectedSignal): NewSignal => ({
  memoryId,
  signalType: s.signal_type,
  subject: s.subject,
  valence: s.valence,
  value: s.value,
  intensity: s.value,
  reasoning: s.reasoning,
  sourceText: s.source_text,
  evidence: null,
  agent,
  method,
});

/** Personality signals per user, the profile built from them, and the post-store step that detects them. */
export class PersonalityService {
  private readonly rows: PersonalityStore;

  constructor(
    private readonly ctx: CoreContext,
    private readonly deps: { memories: MemoryService; classify?: SignalClassifier; write?: ProfileWriter },
  ) {
    this.rows = new PersonalityStore(ctx.db);
  }

  /** The pure rules detector, for POST /personality/detect (stores nothing). */
  detect(content: string): DetectedSignal[] {
    return detectSignals(content);
  }

  private async signalsOf(content: string): Promise<{ signals: DetectedSignal[]; method: string }> {
    const llm = this.deps.classify ? await this.deps.classify(content) : null;
    return llm !== null ? { signals: llm, method: "llm" } : { signals: detectSignals(content), method: "rules" };
  }

  /**
   * The post-store step: the memory's derived signals replaced by what its text shows now, so a
   * retried job or a new version leaves exactly one set. A memory gone meanwhile has none.
   */
  async detectForMemory(userId: number, memoryId: number): Promise<{ signals: number }> {
    const m = this.deps.memories.find(userId, memoryId);
    const content = m && !m.isForgotten && m.content.length >= MIN_MEMORY_CHARS ? m.content : null;
    const { signals, method } = content !== null ? await this.signalsOf(content) : { signals: [], method: "rules" };
    const now = isoNow(this.ctx);
    // A new version's signals replace its predecessor's: the profile reads each memory's current text once.
    if (m?.parentMemoryId != null && m.isLatest) this.rows.replaceForMemory(userId, m.parentMemoryId, [], now);
    return { signals: this.rows.replaceForMemory(userId, memoryId, signals.map(derived(memoryId, m?.source ?? null, method)), now) };
  }

  post(userId: number, s: { signal_type: SignalType; value: number; evidence?: string | undefined; agent?: string | undefined; subject?: string | undefined; valence?: Valence | undefined }): Signal {
    const row = this.rows.insert(
      userId,
      {
        memoryId: null,
        signalType: s.signal_type,
        subject: s.subject ?? null,
        valence: s.valence ?? "neutral",
        value: s.value,
        intensity: s.value,
        reasoning: null,
        sourceText: null,
        evidence: s.evidence ?? null,
        agent: s.agent ?? null,
        method: "manual",
      },
      isoNow(this.ctx),
    );
    this.rows.markStale(userId);
    return signalDto(row);
  }

  list(userId: number, limit: number, type?: string): Signal[] {
    return this.rows.list(userId, limit, type).map(signalDto);
  }

  /** Recomputes traits (mean intensity of each type's latest signals) and counts, and stores them. */
  updateProfile(userId: number, summary?: string): PersonalityProfile {
    const traits: Record<string, number> = {};
    for (const { type, mean } of this.rows.means(userId, WINDOW)) traits[type] = Math.round(mean * 1000) / 1000;
    const counts: Record<string, number> = {};
    let total = 0;
    for (const { type, n } of this.rows.counts(userId)) (counts[type] = n), (total += n);
    const row = this.rows.saveProfile(userId, { traits: JSON.stringify(traits), signalCount: total, profile: summary }, isoNow(this.ctx));
    return { user_id: userId, traits, counts, signal_count: total, last_updated_at: row.lastUpdatedAt, created_at: row.createdAt };
  }

  /** The stored profile, computed on first call and whenever a new signal made it stale. */
  profile(userId: number): PersonalityProfile {
    const row = this.rows.profile(userId);
    if (!row || row.isStale) return this.updateProfile(userId);
    const counts: Record<string, number> = {};
    for (const { type, n } of this.rows.counts(userId)) counts[type] = n;
    return { user_id: userId, traits: JSON.parse(row.traits) as Record<string, number>, counts, signal_count: row.signalCount, last_updated_at: row.lastUpdatedAt, created_at: row.createdAt };
  }

  /** GET /profile: memory statistics with the personality traits and the last synthesized summary. */
  overview(userId: number) {
    const stats = this.rows.memoryStats(userId);
    const personality = this.profile(userId);
    return {
      user_id: userId,
      memory_count: stats.memoryCount,
      oldest_memory: stats.oldest,
      newest_memory: stats.newest,
      avg_importance: stats.avgImportance === null ? null : Math.round(stats.avgImportance * 100) / 100,
      top_categories: this.rows.topCategories(userId, 10),
      top_tags: this.rows.topTags(userId, 10),
      personality_traits: personality.traits,
      personality_summary: this.rows.profile(userId)?.profile ?? null,
    };
  }

  /**
   * Re-detects signals from the latest approved memories by the rules (hand-posted ones stay), recomputes the
   * traits and writes the summary: the LLM's prose when configured and it answers, else the rules'.
   */
  async synthesize(userId: number) {
    const memories = this.rows.recentMemories(userId, WINDOW).filter((m) => m.content.length >= MIN_MEMORY_CHARS);
    const fresh: NewSignal[] = [];
    // The rules re-read every memory here: 200 LLM calls would not fit in a request. The
    // post-store job is where the LLM classifies a memory's signals.
    for (const m of memories) fresh.push(...detectSignals(m.content).map(derived(m.id, m.source, "rules")));
    this.rows.replaceDerived(userId, fresh, isoNow(this.ctx));
    const top: Partial<Record<SignalType, { subject: string; valence: string }[]>> = {};
    for (const t of SIGNAL_TYPES) {
      const subjects = this.rows.topSubjects(userId, t, TOP_SUBJECTS);
      if (subjects.length > 0) top[t] = subjects;
    }
    const prose = this.deps.write && Object.keys(top).length > 0 ? await this.deps.write(top) : null;
    const summary = prose ?? rulesSummary(top);
    this.updateProfile(userId, summary);
    return { ...this.overview(userId), personality_summary: summary, method: prose !== null ? ("llm" as const) : ("rules" as const) };
  }
}
