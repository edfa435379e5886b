import type { CoreContext } from "../../context.js";
import type { MemoryService } from "../../memory/index.js";
import { scoreSentiment, scoreValence, type Sentiment, type ValenceScore } from "./lexicon.js";
import { ValenceStore, type EmotionCount, type ValenceOverall } from "./store.js";

export interface MemoryValence {
  memory_id: number;
  /** Null until the memory's post-store job (or POST /intelligence/valence/score) scored it. */
  valence: number | null;
  arousal: number | null;
  dominant_emotion: string | null;
}

export interface ValenceProfile {
  emotions: EmotionCount[];
  overall: ValenceOverall;
}

/** Valence, arousal and sentiment of a tenant's memories, by the rules scorer. */
export class ValenceService {
  private readonly store: ValenceStore;

  constructor(
    ctx: CoreContext,
    private readonly memories: MemoryService,
  ) {
    this.store = new ValenceStore(ctx.db);
  }

  /** Scores text without storing anything. */
  scoreText(content: string): ValenceScore {
    return scoreValence(content);
  }

  /** Scores the memory and writes its valence, arousal and dominant emotion. 404: not the user's. */
  scoreMemory(userId: number, memoryId: number): ValenceScore {
    const memory = this.memories.get(userId, memoryId);
    const score = scoreValence(memory.content);
    this.store.setScore(userId, memoryId, score);
    return score;
  }

  /**
   * The post-store step: scores a newly written memory. Idempotent (the same content gives the
   * same columns); a memory deleted before its job ran is nothing to do.
   */
  scoreStored(userId: number, memoryId: number): { dominant_emotion: string } | null {
    const memory = this.memories.find(userId, memoryId);
    if (!memory) return null;
    const score = scoreValence(memory.content);
    this.store.setScore(userId, memoryId, score);
    return { dominant_emotion: score.dominant_emotion };
  }

  of(userId: number, memoryId: number): MemoryValence {
    const m = this.memories.get(userId, memoryId);
    return { memory_id: m.id, valence: m.valence, arousal: m.arousal, dominant_emotion: m.dominantEmotion };
  }

  /** Per dominant emotion and overall, over the user's scored live memories. */
  profile(userId: number): ValenceProfile {
    return { emotions: this.store.emotions(userId), overall: this.store.overall(userId) };
  }

  /** Sentiment of given text, or of the user's memory (404 when it is not theirs). */
  sentiment(userId: number, input: { content: string } | { memory_id: number }): Sentiment {
    const text = "content" in input ? input.content : this.memories.get(userId, input.memory_id).content;
    return scoreSentiment(text);
  }

  /** The sentiment of the user's newest live memories since a time, newest first. */
  sentimentHistory(userId: number, limit: number, since: string | undefined): { memory_id: number; score: number; created_at: string }[] {
    return this.store
      .recentContents(userId, since ?? "", limit)
      .map((m) => ({ memory_id: m.id, score: scoreSentiment(m.content).score, created_at: m.createdAt }));
  }
}
