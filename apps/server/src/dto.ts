import type { ApiKeyRow, AuditRow, LinkRow, MemoryRow, SpaceRow, UserRow } from "@engram/core";

/** Wire shapes of the reference API: snake_case, booleans not 0/1. */
export function memoryDto(m: MemoryRow) {
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

export const userDto = (u: UserRow) => ({ id: u.id, username: u.username, email: u.email, role: u.role, created_at: u.createdAt });

export const keyDto = (k: ApiKeyRow) => ({
  id: k.id,
  name: k.name,
  key_prefix: k.keyPrefix,
  scopes: k.scopes,
  user_id: k.userId,
  rate_limit: k.rateLimit,
  created_at: k.createdAt,
  expires_at: k.expiresAt,
  last_used_at: k.lastUsedAt,
  minted_by: k.mintedById,
  rotated_from: k.rotatedFromId,
});

export const spaceDto = (s: SpaceRow) => ({ id: s.id, name: s.name, description: s.description, created_at: s.createdAt });

export const linkDto = (l: LinkRow) => ({
  source_id: l.sourceId,
  target_id: l.targetId,
  type: l.type,
  similarity: l.similarity,
  created_at: l.createdAt,
});

export const auditDto = (a: AuditRow) => ({
  id: a.id,
  user_id: a.userId,
  key_id: a.keyId,
  method: a.method,
  route: a.route,
  target_ids: a.targetIds,
  status: a.status,
  remote_addr: a.remoteAddr,
  created_at: a.createdAt,
  count: a.count,
});
