import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/index.js";
import { liveMemorySql } from "../../memory/index.js";

export interface SignalRow {
  id: number;
  userId: number;
  memoryId: number | null;
  signalType: string;
  subject: string | null;
  valence: string;
  value: number;
  intensity: number;
  reasoning: string | null;
  sourceText: string | null;
  evidence: string | null;
  agent: string | null;
  method: string;
  createdAt: string;
}

export interface NewSignal {
  memoryId: number | null;
  signalType: string;
  subject: string | null;
  valence: string;
  value: number;
  intensity: number;
  reasoning: string | null;
  sourceText: string | null;
  evidence: string | null;
  agent: string | null;
  method: string;
}

export interface ProfileRow {
  userId: number;
  traits: string;
  profile: string | null;
  signalCount: number;
  isStale: number;
  lastUpdatedAt: string;
  createdAt: string;
}

export interface MemoryStats {
  memoryCount: number;
  oldest: string | null;
  newest: string | null;
  avgImportance: number | null;
}

const SIGNAL_COLS = `id, user_id AS userId, memory_id AS memoryId, signal_type AS signalType, subject, valence, value, intensity, reasoning,
  source_text AS sourceText, evidence, agent, method, created_at AS createdAt`;
const PROFILE_COLS = `user_id AS userId, traits, profile, signal_count AS signalCount, is_stale AS isStale, last_updated_at AS lastUpdatedAt, created_at AS createdAt`;

/** Every statement on personality_signals and personality_profiles, and the memory statistics /profile shows; all per user. */
export class PersonalityStore {
  private readonly insertOne: Statement;
  private readonly deleteOfMemory: Statement;
  private readonly deleteDerived: Statement;
  private readonly listAll: Statement;
  private readonly listType: Statement;
  private readonly meansQ: Statement;
  private readonly countsQ: Statement;
  private readonly topSubjectsQ: Statement;
  private readonly profileOf: Statement;
  private readonly upsertProfile: Statement;
  private readonly staleOne: Statement;
  private readonly recentMemoriesQ: Statement;
  private readonly stats: Statement;
  private readonly categories: Statement;
  private readonly tags: Statement;

  constructor(private readonly db: Db) {
    const s = db.sqlite;
    this.insertOne = s.prepare(
      `INSERT INTO personality_signals (user_id, memory_id, signal_type, subject, valence, value, intensity, reasoning, source_text, evidence, agent, method, created_at)
       VALUES (@userId, @memoryId, @signalType, @subject, @valence, @value, @intensity, @reasoning, @sourceText, @evidence, @agent, @method, @createdAt)
       RETURNING ${SIGNAL_COLS}`,
    );
    this.deleteOfMemory = s.prepare(`DELETE FROM personality_signals WHERE user_id = ? AND memory_id = ?`);
    this.deleteDerived = s.prepare(`DELETE FROM personality_signals WHERE user_id = ? AND memory_id IS NOT NULL`);
    this.listAll = s.prepare(`SELECT ${SIGNAL_COLS} FROM personality_signals WHERE user_id = ? ORDER BY id DESC LIMIT ?`);
    this.listType = s.prepare(`SELECT ${SIGNAL_COLS} FROM personality_signals WHERE user_id = ? AND signal_type = ? ORDER BY id DESC LIMIT ?`);
    // The mean intensity of each type's latest `window` signals.
    this.meansQ = s.prepare(
      `SELECT signal_type AS type, avg(intensity) AS mean FROM (
         SELECT signal_type, intensity, row_number() OVER (PARTITION BY signal_type ORDER BY id DESC) AS rn FROM personality_signals WHERE user_id = ?
       ) WHERE rn <= ? GROUP BY signal_type`,
    );
    this.countsQ = s.prepare(`SELECT signal_type AS type, count(*) AS n FROM personality_signals WHERE user_id = ? GROUP BY signal_type`);
    this.topSubjectsQ = s.prepare(
      `SELECT subject, valence, max(intensity) AS intensity FROM personality_signals WHERE user_id = ? AND signal_type = ? AND subject IS NOT NULL
       GROUP BY lower(subject), valence ORDER BY intensity DESC, max(id) DESC LIMIT ?`,
    );
    this.profileOf = s.prepare(`SELECT ${PROFILE_COLS} FROM personality_profiles WHERE user_id = ?`);
    this.upsertProfile = s.prepare(
      `INSERT INTO personality_profiles (user_id, traits, profile, signal_count, is_stale, last_updated_at, created_at)
       VALUES (@userId, @traits, @profile, @signalCount, 0, @now, @now)
       ON CONFLICT (user_id) DO UPDATE SET traits = excluded.traits, profile = CASE WHEN @keepProfile THEN profile ELSE excluded.profile END,
         signal_count = excluded.signal_count, is_stale = 0, last_updated_at = excluded.last_updated_at
       RETURNING ${PROFILE_COLS}`,
    );
    this.staleOne = s.prepare(`UPDATE personality_profiles SET is_stale = 1 WHERE user_id = ?`);
    this.recentMemoriesQ = s.prepare(
      `SELECT m.id, m.content, m.source FROM memories m WHERE m.user_id = ? AND ${liveMemorySql("m")} ORDER BY m.created_at DESC, m.id DESC LIMIT ?`,
    );
    this.stats = s.prepare(
      `SELECT count(*) AS memoryCount, min(created_at) AS oldest, max(created_at) AS newest, avg(importance) AS avgImportance
       FROM memories m WHERE m.user_id = ? AND ${liveMemorySql("m")}`,
    );
    this.categories = s.prepare(
      `SELECT category, count(*) AS count FROM memories m WHERE m.user_id = ? AND ${liveMemorySql("m")} GROUP BY category ORDER BY count DESC, category LIMIT ?`,
    );
    this.tags = s.prepare(
      `SELECT t.value AS tag, count(*) AS count FROM memories m, json_each(m.tags) t WHERE m.user_id = ? AND ${liveMemorySql("m")}
       GROUP BY t.value ORDER BY count DESC, tag LIMIT ?`,
    );
  }

  insert(userId: number, s: NewSignal, now: string): SignalRow {
    return this.insertOne.get({ userId, ...s, createdAt: now }) as SignalRow;
  }

  /** The memory's derived signals replaced by `signals`, in one transaction (a post-store retry leaves the same rows). */
  replaceForMemory(userId: number, memoryId: number, signals: readonly NewSignal[], now: string): number {
    return this.db.sqlite.transaction(() => {
      this.deleteOfMemory.run(userId, memoryId);
      for (const s of signals) this.insert(userId, s, now);
      if (signals.length > 0) this.staleOne.run(userId);
      return signals.length;
    })();
  }

  /** Every memory-derived signal replaced by `signals` (hand-posted ones stay). */
  replaceDerived(userId: number, signals: readonly NewSignal[], now: string): void {
    this.db.sqlite.transaction(() => {
      this.deleteDerived.run(userId);
      for (const s of signals) this.insert(userId, s, now);
    })();
  }

  list(userId: number, limit: number, type: string | undefined): SignalRow[] {
    return (type === undefined ? this.listAll.all(userId, limit) : this.listType.all(userId, type, limit)) as SignalRow[];
  }

  means(userId: number, window: number): { type: string; mean: number }[] {
    return this.meansQ.all(userId, window) as { type: string; mean: number }[];
  }

  counts(userId: number): { type: string; n: number }[] {
    return this.countsQ.all(userId) as { type: string; n: number }[];
  }

  topSubjects(userId: number, type: string, limit: number): { subject: string; valence: string; intensity: number }[] {
    return this.topSubjectsQ.all(userId, type, limit) as { subject: string; valence: string; intensity: number }[];
  }

  profile(userId: number): ProfileRow | undefined {
    return this.profileOf.get(userId) as ProfileRow | undefined;
  }

  /** Writes traits and counts; `profile` undefined keeps the stored summary. */
  saveProfile(userId: number, p: { traits: string; signalCount: number; profile?: string | undefined }, now: string): ProfileRow {
    return this.upsertProfile.get({ userId, traits: p.traits, signalCount: p.signalCount, profile: p.profile ?? null, keepProfile: p.profile === undefined ? 1 : 0, now }) as ProfileRow;
  }

  markStale(userId: number): void {
    this.staleOne.run(userId);
  }

  recentMemories(userId: number, limit: number): { id: number; content: string; source: string }[] {
    return this.recentMemoriesQ.all(userId, limit) as { id: number; content: string; source: string }[];
  }

  memoryStats(userId: number): MemoryStats {
    return this.stats.get(userId) as MemoryStats;
  }

  topCategories(userId: number, limit: number): { category: string; count: number }[] {
    return this.categories.all(userId, limit) as { category: string; count: number }[];
  }

  topTags(userId: number, limit: number): { tag: string; count: number }[] {
    return this.tags.all(userId, limit) as { tag: string; count: number }[];
  }
}
