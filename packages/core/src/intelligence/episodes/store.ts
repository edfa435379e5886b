import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/index.js";
import { liveMemorySql } from "../../memory/index.js";

export interface EpisodeRow {
  id: number;
  userId: number;
  title: string | null;
  sessionId: string | null;
  agent: string | null;
  summary: string | null;
  memoryCount: number;
  durationSeconds: number | null;
  decayScore: number;
  narrativeMemoryId: number | null;
  startedAt: string;
  endedAt: string | null;
  createdAt: string;
}

export interface EpisodeMember {
  id: number;
  content: string;
  category: string;
  source: string;
  importance: number;
  createdAt: string;
}

export interface EpisodeFilters {
  limit: number;
  /** An FTS5 expression built from the user's words (never their syntax). */
  match: string | null;
  after: string | null;
  before: string | null;
  sessionId: string | null;
  agent: string | null;
}

const COLS = `e.id, e.user_id AS userId, e.title, e.session_id AS sessionId, e.agent, e.summary, e.memory_count AS memoryCount,
  e.duration_seconds AS durationSeconds, e.decay_score AS decayScore, e.narrative_memory_id AS narrativeMemoryId,
  e.started_at AS startedAt, e.ended_at AS endedAt, e.created_at AS createdAt`;

/** Every statement on episodes and on the memories' episode_id; each filtered by the user. */
export class EpisodeStore {
  private readonly insertOne: Statement;
  private readonly byId: Statement;
  private readonly listPlain: Statement;
  private readonly listMatch: Statement;
  private readonly patchOne: Statement;
  private readonly assignOne: Statement;
  private readonly countLive: Statement;
  private readonly setCount: Statement;
  private readonly membersOf: Statement;
  private readonly finish: Statement;

  constructor(private readonly db: Db) {
    const s = db.sqlite;
    this.insertOne = s.prepare(
      `INSERT INTO episodes (user_id, title, session_id, agent, summary, started_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    );
    this.byId = s.prepare(`SELECT ${COLS} FROM episodes e WHERE e.id = ? AND e.user_id = ?`);
    const filters = `e.user_id = @userId AND (@after IS NULL OR e.started_at >= @after) AND (@before IS NULL OR e.started_at <= @before)
      AND (@sessionId IS NULL OR e.session_id = @sessionId) AND (@agent IS NULL OR e.agent = @agent)`;
    this.listPlain = s.prepare(`SELECT ${COLS} FROM episodes e WHERE ${filters} ORDER BY e.started_at DESC, e.id DESC LIMIT @limit`);
    this.listMatch = s.prepare(
      `SELECT ${COLS} FROM episodes_fts f JOIN episodes e ON e.id = f.rowid
       WHERE episodes_fts MATCH @match AND ${filters} ORDER BY e.started_at DESC, e.id DESC LIMIT @limit`,
    );
    this.patchOne = s.prepare(
      `UPDATE episodes SET title = coalesce(@title, title), summary = coalesce(@summary, summary), ended_at = coalesce(@endedAt, ended_at),
       duration_seconds = coalesce(@durationSeconds, duration_seconds) WHERE id = @id AND user_id = @userId`,
    );
    // Any version of the caller's memory may join; another tenant's row is never touched.
    this.assignOne = s.prepare(`UPDATE memories SET episode_id = ? WHERE id = ? AND user_id = ?`);
    this.countLive = s.prepare(`SELECT count(*) AS n FROM memories m WHERE m.user_id = ? AND m.episode_id = ? AND ${liveMemorySql("m")}`);
    this.setCount = s.prepare(`UPDATE episodes SET memory_count = ? WHERE id = ? AND user_id = ?`);
    this.membersOf = s.prepare(
      `SELECT m.id, m.content, m.category, m.source, m.importance, m.created_at AS createdAt FROM memories m
       WHERE m.user_id = ? AND m.episode_id = ? AND ${liveMemorySql("m")} ORDER BY m.created_at, m.id`,
    );
    this.finish = s.prepare(
      `UPDATE episodes SET summary = @summary, ended_at = @endedAt, duration_seconds = @durationSeconds, memory_count = @memoryCount,
       narrative_memory_id = @narrativeMemoryId WHERE id = @id AND user_id = @userId`,
    );
  }

  insert(userId: number, e: { title: string | null; sessionId: string | null; agent: string | null; summary: string | null; startedAt: string }, now: string): number {
    return (this.insertOne.get(userId, e.title, e.sessionId, e.agent, e.summary, e.startedAt, now) as { id: number }).id;
  }

  find(userId: number, id: number): EpisodeRow | undefined {
    return this.byId.get(id, userId) as EpisodeRow | undefined;
  }

  list(userId: number, f: EpisodeFilters): EpisodeRow[] {
    const params = { userId, limit: f.limit, after: f.after, before: f.before, sessionId: f.sessionId, agent: f.agent };
    return (f.match === null ? this.listPlain.all(params) : this.listMatch.all({ ...params, match: f.match })) as EpisodeRow[];
  }

  patch(userId: number, id: number, p: { title: string | null; summary: string | null; endedAt: string | null; durationSeconds: number | null }): void {
    this.patchOne.run({ userId, id, ...p });
  }

  /** Sets episode_id on each of the caller's memories among `ids`; returns the ids it set. */
  assign(userId: number, episodeId: number, ids: readonly number[]): number[] {
    return this.db.sqlite.transaction(() => ids.filter((id) => this.assignOne.run(episodeId, id, userId).changes > 0))();
  }

  recount(userId: number, id: number): number {
    const n = (this.countLive.get(userId, id) as { n: number }).n;
    this.setCount.run(n, id, userId);
    return n;
  }

  members(userId: number, id: number): EpisodeMember[] {
    return this.membersOf.all(userId, id) as EpisodeMember[];
  }

  finalize(
    userId: number,
    id: number,
    f: { summary: string | null; endedAt: string; durationSeconds: number; memoryCount: number; narrativeMemoryId: number | null },
  ): void {
    this.finish.run({ userId, id, ...f });
  }
}
