import type { MemoryHead } from "../memory/index.js";

/**
 * The full-text lookups the graph needs, over search's FTS5 index: candidates for linking a
 * memory that has no vector, and the memories that may name a newly declared entity. Search
 * implements it and createEngram hands it in: search imports graph (its graph channel), so
 * graph never imports search.
 */
export interface TextIndex {
  /** The user's live memories sharing words with `text`, best BM25 first. */
  similar(userId: number, text: string, limit: number): number[];
  /** The user's present memories (latest, not forgotten) containing any of the phrases, newest first, each its first `chars` characters. */
  withPhrases(userId: number, phrases: readonly string[], limit: number, chars: number): MemoryHead[];
}
