import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/index.js";
import { liveMemorySql } from "../../memory/index.js";

export interface EmotionCount {
  dominant_emotion: string;
  count: number;
  avg_valence: number;
  avg_arousal: number;
}

export interface ValenceOverall {
  avg_valence: number;
  avg_arousal: number;
  positive_count: number;
  negative_count: number;
  neutral_count: number;
}

/** The valence columns of memories (migration 11): written by the scorer, read by the profile. */
export class ValenceStore {
  private readonly set: Statement;
  private readonly byEmotion: Statement;
  private readonly recent: Statement;
  private readonly overallOf: Statement;

  constructor(db: Db) {
    const sqlite = db.sqlite;
    this.set = sqlite.prepare("UPDATE memories SET valence = ?, arousal = ?, dominant_emotion = ? WHERE id = ? AND user_id = ?");
    // Scored live memories only: a forgotten or superseded memory no longer speaks for the user.
    this.byEmotion = sqlite.prepare(
      `SELECT m.dominant_emotion, count(*) AS count, round(avg(m.valence), 2) AS avg_valence, round(avg(m.arousal), 2) AS avg_arousal
         FROM memories m
        WHERE m.user_id = ? AND ${liveMemorySql("m")} AND m.dominant_emotion IS NOT NULL
        GROUP BY m.dominant_emotion ORDER BY count DESC, m.dominant_emotion`,
    );
    this.overallOf = sqlite.prepare(
      `SELECT coalesce(round(avg(m.valence), 2), 0) AS avg_valence, coalesce(round(avg(m.arousal), 2), 0) AS avg_arousal,
              count(*) FILTER (WHERE m.valence > 0) AS positive_count, count(*) FILTER (WHERE m.valence < 0) AS negative_count,
              count(*) FILTER (WHERE m.valence = 0) AS neutral_count
         FROM memories m
        WHERE m.user_id = ? AND ${liveMemorySql("m")} AND m.valence IS NOT NULL`,
    );
    this.recent = sqlite.prepare(
      `SELECT m.id, m.content, m.created_at AS createdAt FROM memories m
        WHERE m.user_id = ? AND ${liveMemorySql("m")} AND m.created_at >= ?
        ORDER BY m.created_at DESC, m.id DESC LIMIT ?`,
    );
  }

  setScore(userId: number, memoryId: number, s: { valence: number; arousal: number; dominant_emotion: string }): void {
    this.set.run(s.valence, s.arousal, s.dominant_emotion, memoryId, userId);
  }

  /** Scored live memories grouped by their dominant emotion, most frequent first. */
  emotions(userId: number): EmotionCount[] {
    return this.byEmotion.all(userId) as EmotionCount[];
  }

  /** Means and signs over every scored live memory of the user. */
  overall(userId: number): ValenceOverall {
    return this.overallOf.get(userId) as ValenceOverall;
  }

  /** The user's live memories created at or after `since`, newest first. */
  recentContents(userId: number, since: string, limit: number): { id: number; content: string; createdAt: string }[] {
    return this.recent.all(userId, since, limit) as { id: number; content: string; createdAt: string }[];
  }
}
