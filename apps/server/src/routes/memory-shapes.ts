import type { LinkRow, MemoryRow } from "@engram/core";
import { z } from "zod";
import { timestamp } from "./define.js";

/**
 * The memory and link wire shapes: the memories, search, entities and graph routes all answer
 * with them. snake_case, booleans not 0/1.
 */
export const memoryStatusSchema = z.enum(["active", "archived", "forgotten"]);

export const reviewStatusSchema = z.enum(["approved", "pending", "rejected"]).describe("The review inbox's state: pending and rejected memories are not live");

export const memorySchema = z
  .object({
    id: z.number().int(),
    content: z.string(),
    category: z.string(),
    source: z.string(),
    importance: z.number().int(),
    tags: z.array(z.string()),
    session_id: z.string().nullable(),
    space_id: z.number().int().nullable(),
    version: z.number().int(),
    is_latest: z.boolean(),
    parent_memory_id: z.number().int().nullable(),
    root_memory_id: z.number().int().nullable(),
    source_count: z.number().int(),
    is_static: z.boolean(),
    is_forgotten: z.boolean(),
    is_archived: z.boolean(),
    status: memoryStatusSchema,
    review_status: reviewStatusSchema,
    model: z.string().nullable().describe("The model that wrote it, when the store named one (or an LLM derived it)"),
    forget_reason: z.string().nullable(),
    forget_after: timestamp.nullable(),
    decay_score: z.number(),
    access_count: z.number().int(),
    last_accessed_at: timestamp.nullable(),
    fsrs_stability: z.number().nullable(),
    fsrs_difficulty: z.number().nullable(),
    fsrs_retrieval_strength: z.number().nullable(),
    fsrs_storage_strength: z.number().nullable(),
    fsrs_reps: z.number().int(),
    fsrs_lapses: z.number().int(),
    fsrs_last_review_at: timestamp.nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: "Memory" });

export function memoryDto(m: MemoryRow): z.infer<typeof memorySchema> {
  return {
    id: m.id,
    content: m.content,
    category: m.category,
    source: m.source,
    importance: m.importance,
    tags: m.tags,
    session_id: m.sessionId,
    space_id: m.spaceId,
    version: m.version,
    is_latest: m.isLatest,
    parent_memory_id: m.parentMemoryId,
    root_memory_id: m.rootMemoryId,
    source_count: m.sourceCount,
    is_static: m.isStatic,
    is_forgotten: m.isForgotten,
    is_archived: m.isArchived,
    status: m.status,
    review_status: m.reviewStatus,
    model: m.model,
    forget_reason: m.forgetReason,
    forget_after: m.forgetAfter,
    decay_score: m.decayScore,
    access_count: m.accessCount,
    last_accessed_at: m.lastAccessedAt,
    fsrs_stability: m.fsrsStability,
    fsrs_difficulty: m.fsrsDifficulty,
    fsrs_retrieval_strength: m.fsrsRetrievalStrength,
    fsrs_storage_strength: m.fsrsStorageStrength,
    fsrs_reps: m.fsrsReps,
    fsrs_lapses: m.fsrsLapses,
    fsrs_last_review_at: m.fsrsLastReviewAt,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
  };
}

export const linkSchema = z
  .object({
    source_id: z.number().int(),
    target_id: z.number().int(),
    type: z.string(),
    similarity: z.number(),
    created_at: timestamp,
  })
  .meta({ id: "Link" });

export const linkDto = (l: LinkRow): z.infer<typeof linkSchema> => ({
  source_id: l.sourceId,
  target_id: l.targetId,
  type: l.type,
  similarity: l.similarity,
  created_at: l.createdAt,
});
