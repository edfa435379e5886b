import { isoNow, type CoreContext } from "../../context.js";
import { notFound } from "../../errors.js";
import type { MemoryService } from "../../memory/index.js";
import { queryTerms } from "../../text/index.js";
import type { EmbeddingService } from "../../vector/index.js";
import { rulesNarrative } from "./narrative.js";
import { EpisodeStore, type EpisodeRow } from "./store.js";

export interface Episode {
  id: number;
  title: string | null;
  session_id: string | null;
  agent: string | null;
  summary: string | null;
  user_id: number;
  memory_count: number;
  duration_seconds: number | null;
  decay_score: number;
  started_at: string;
  ended_at: string | null;
  created_at: string;
}

export interface EpisodeQuery {
  limit: number;
  query?: string | undefined;
  after?: string | undefined;
  before?: string | undefined;
  session_id?: string | undefined;
  agent?: string | undefined;
}

/** Writes an episode's narrative; the LLM path plugs in here once configured, else the rules. */
export type NarrativeWriter = (title: string, members: readonly { content: string; createdAt: string }[]) => Promise<{ text: string; method: "rules" | "llm" }>;

const dto = (r: EpisodeRow): Episode => ({
  id: r.id,
  title: r.title,
  session_id: r.sessionId,
  agent: r.agent,
  summary: r.summary,
  user_id: r.userId,
  memory_count: r.memoryCount,
  duration_seconds: r.durationSeconds,
  decay_score: r.decayScore,
  started_at: r.startedAt,
  ended_at: r.endedAt,
  created_at: r.createdAt,
});

/**
 * Episodes: a span of work with its member memories, finalized into a narrative. The narrative
 * is also stored as a memory (category "episode", through the store path, so it has a vector
 * and an FTS row) and that is how search and /context find it; `narrative_memory_id` keeps the
 * link so a regenerated narrative becomes a new version of the same memory.
 */
export class EpisodeService {
  private readonly rows: EpisodeStore;

  constructor(
    private readonly ctx: CoreContext,
    private readonly deps: { memories: MemoryService; embedding: EmbeddingService; narrative?: NarrativeWriter },
  ) {
    this.rows = new EpisodeStore(ctx.db);
  }

  /** The caller's episode, or a 404 (another tenant's id included). */
  own(userId: number, id: number): EpisodeRow {
    const row = this.rows.find(userId, id);
    if (!row) throw notFound("episode");
    return row;
  }

  create(userId: number, input: { title?: string | undefined; session_id?: string | undefined; agent?: string | undefined; summary?: string | undefined; started_at?: string | undefined }) {
    const now = isoNow(this.ctx);
    const startedAt = input.started_at !== undefined ? new Date(input.started_at).toISOString() : now;
    const id = this.rows.insert(
      userId,
      { title: input.title ?? null, sessionId: input.session_id ?? null, agent: input.agent ?? null, summary: input.summary ?? null, startedAt },
      now,
    );
    return { created: true as const, id, started_at: startedAt, summary: input.summary ?? null };
  }

  list(userId: number, q: EpisodeQuery): Episode[] {
    let match: string | null = null;
    if (q.query !== undefined && q.query.trim() !== "") {
      const terms = queryTerms(q.query);
      // All words, any order; a query of no words at all matches nothing rather than everything.
      if (terms.length === 0) return [];
      match = terms.map((t) => `"${t}"`).join(" ");
    }
    const iso = (v: string | undefined) => (v === undefined ? null : new Date(v).toISOString());
    return this.rows
      .list(userId, { limit: q.limit, match, after: iso(q.after), before: iso(q.before), sessionId: q.session_id ?? null, agent: q.agent ?? null })
      .map(dto);
  }

  get(userId: number, id: number) {
    const row = this.own(userId, id);
    const memories = this.rows.members(userId, id).map((m) => ({ id: m.id, content: m.content, category: m.category, source: m.source, importance: m.importance, created_at: m.createdAt }));
    return { ...dto(row), memories };
  }

  update(userId: number, id: number, patch: { title?: string | undefined; summary?: string | undefined; ended_at?: string | undefined }) {
    const row = this.own(userId, id);
    const endedAt = patch.ended_at !== undefined ? new Date(patch.ended_at).toISOString() : null;
    const durationSeconds = endedAt !== null ? Math.max(0, Math.round((Date.parse(endedAt) - Date.parse(row.startedAt)) / 1000)) : null;
    this.rows.patch(userId, id, { title: patch.title ?? null, summary: patch.summary ?? null, endedAt, durationSeconds });
    return { updated: true as const, id };
  }

  /** Assigns the caller's memories; foreign or missing ids are skipped and listed. */
  assign(userId: number, id: number, memoryIds: readonly number[]) {
    this.own(userId, id);
    const unique = [...new Set(memoryIds)];
    const set = new Set(this.rows.assign(userId, id, unique));
    this.rows.recount(userId, id);
    return { assigned: set.size, episode_id: id, skipped: unique.filter((m) => !set.has(m)) };
  }

  recount(userId: number, id: number): number {
    return this.rows.recount(userId, id);
  }

  async finalize(userId: number, id: number, regenerate: boolean) {
    const row = this.own(userId, id);
    const members = this.rows.members(userId, id);
    const endedAt = row.endedAt ?? isoNow(this.ctx);
    const durationSeconds = Math.max(0, Math.round((Date.parse(endedAt) - Date.parse(row.startedAt)) / 1000));
    let summary = row.summary;
    let method: "rules" | "llm" = "rules";
    const write = regenerate || summary === null || summary.trim() === "";
    if (write) {
      const title = row.title ?? `Episode ${row.id}`;
      const written = this.deps.narrative ? await this.deps.narrative(title, members) : { text: rulesNarrative(title, members), method: "rules" as const };
      summary = written.text;
      method = written.method;
    }
    const narrativeMemoryId = await this.embedNarrative(userId, row, summary!, write);
    // Re-read: the episode may have changed while the narrative was written.
    this.own(userId, id);
    this.rows.finalize(userId, id, { summary, endedAt, durationSeconds, memoryCount: members.length, narrativeMemoryId });
    return { finalized: true as const, id, summary: summary!, memory_count: members.length, ended_at: endedAt, duration_seconds: durationSeconds, method };
  }

  /** The narrative as a memory: stored once, a new version when it was rewritten. */
  private async embedNarrative(userId: number, row: EpisodeRow, summary: string, rewritten: boolean): Promise<number | null> {
    const { memories, embedding } = this.deps;
    const existing = row.narrativeMemoryId !== null ? memories.find(userId, row.narrativeMemoryId) : undefined;
    const current = existing && existing.isLatest && !existing.isForgotten ? existing : undefined;
    if (current && (!rewritten || current.content === summary)) return current.id;
    const vector = (await embedding.embed([summary]))?.[0] ?? null;
    if (current) return memories.update(userId, current.id, { content: summary }, vector).id;
    // The narrative tells of the episode: its facts date from the episode's start (contract §5.5),
    // and a rewrite (a new version) keeps that date.
    const stored = memories.store(
      userId,
      { content: summary, category: "episode", source: "episode", importance: 5, tags: ["episode"], session_id: row.sessionId, is_static: false },
      vector,
      { occurredAt: row.startedAt },
    );
    return stored.kind === "stored" ? stored.memory.id : stored.existingId;
  }
}
