import type { Db } from "../db/connection.js";

/**
 * Statements on the entity tables (entities, memory_entities, entity_cooccurrences) for what a
 * memory's deletion takes with it. Id lists travel as one JSON array parameter.
 */

/** A memory that counts: the latest version, not forgotten (as the entity counts define it). */
export const LIVE_MEMORY = "m.is_latest = 1 AND m.is_forgotten = 0";

/** The entities the given memories name. */
export function mentionedEntityIds(db: Db, userId: number, memoryIds: readonly number[]): number[] {
  const rows = db.sqlite
    .prepare(
      `SELECT DISTINCT entity_id AS id FROM memory_entities
        WHERE user_id = ? AND memory_id IN (SELECT value FROM json_each(?)) ORDER BY entity_id`,
    )
    .all(userId, JSON.stringify(memoryIds)) as { id: number }[];
  return rows.map((r) => r.id);
}

/** Removes a memory's mentions (its row's deletion would cascade to them; the counts need them gone first). */
export function deleteMentions(db: Db, userId: number, memoryId: number): void {
  db.sqlite.prepare("DELETE FROM memory_entities WHERE user_id = ? AND memory_id = ?").run(userId, memoryId);
}

/**
 * Deletes the extracted entities among `entityIds` that no memory names any more; their
 * co-occurrence rows go with them (cascade). Entities declared by hand ('manual') stay.
 */
export function deleteUnmentionedEntities(db: Db, userId: number, entityIds: readonly number[]): number {
  return db.sqlite
    .prepare(
      `DELETE FROM entities WHERE user_id = ? AND origin = 'extracted' AND id IN (SELECT value FROM json_each(?))
          AND NOT EXISTS (SELECT 1 FROM memory_entities me WHERE me.entity_id = entities.id)`,
    )
    .run(userId, JSON.stringify(entityIds)).changes;
}

/**
 * Recomputes, from the mentions in live memories, the occurrence counts of `entityIds` and the
 * co-occurrences among them: what `EntityService.rebuildCounts` does for a whole tenant, for
 * the entities one change touched. Bounded by those entities' mentions.
 */
export function recountEntities(db: Db, userId: number, entityIds: readonly number[], now: string): void {
  if (entityIds.length === 0) return;
  const ids = JSON.stringify(entityIds);
  db.sqlite
    .prepare(
      `UPDATE entities SET occurrence_count = (SELECT count(*) FROM memory_entities me JOIN memories m ON m.id = me.memory_id
          WHERE me.entity_id = entities.id AND ${LIVE_MEMORY})
        WHERE user_id = ? AND id IN (SELECT value FROM json_each(?))`,
    )
    .run(userId, ids);
  db.sqlite
    .prepare(
      `DELETE FROM entity_cooccurrences WHERE user_id = ?
          AND entity_a IN (SELECT value FROM json_each(?)) AND entity_b IN (SELECT value FROM json_each(?))`,
    )
    .run(userId, ids, ids);
  db.sqlite
    .prepare(
      `INSERT INTO entity_cooccurrences (user_id, entity_a, entity_b, count, weight, updated_at)
       SELECT a.user_id, a.entity_id, b.entity_id, count(*), sum(a.salience * b.salience), ?
         FROM memory_entities a JOIN memory_entities b ON b.memory_id = a.memory_id AND b.entity_id > a.entity_id
         JOIN memories m ON m.id = a.memory_id
        WHERE a.user_id = ? AND a.entity_id IN (SELECT value FROM json_each(?)) AND b.entity_id IN (SELECT value FROM json_each(?))
          AND ${LIVE_MEMORY}
        GROUP BY a.entity_id, b.entity_id`,
    )
    .run(now, userId, ids, ids);
}
