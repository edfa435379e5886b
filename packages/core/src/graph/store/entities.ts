import type { Db } from "../../db/connection.js";
import type { EntityRow } from "../../db/schema.js";
import { liveMemorySql, presentMemorySql } from "../../memory/index.js";
import { isoWeekStartSql } from "../../memory/index.js";
import type { EntityType, KnownEntity } from "../entity-rules.js";

/** Raw row as SQLite returns it; mapped to EntityRow on the way out. */
type SqlEntity = Omit<EntityRow, "aliases"> & { aliases: string };

const toRow = (r: SqlEntity): EntityRow => ({ ...r, aliases: JSON.parse(r.aliases) as string[] });

const COLUMNS = `id, user_id AS userId, space_id AS spaceId, name, key, entity_type AS entityType, description, aliases, origin,
  occurrence_count AS occurrenceCount, first_seen_at AS firstSeenAt, last_seen_at AS lastSeenAt, created_at AS createdAt, updated_at AS updatedAt`;

/** Counts keep archived memories: an archived memory's mentions count again when it is unarchived. */
const COUNTED = presentMemorySql("m");

/** What a declaration sets on an entity (POST /entities, /projects). */
export interface DeclaredEntity {
  entityType: string;
  description: string | null;
  aliases: readonly string[];
  spaceId: number | null;
}

/** An entity and how prominent it is in one memory, or a memory and how prominent the entity is in it. */
export interface Salience {
  id: number;
  salience: number;
}

/**
 * Every statement on the entity tables: entities (one row per name per tenant), memory_entities
 * (which memories name which entities, with salience) and entity_cooccurrences (two entities
 * named in the same memory; entity_a < entity_b). Occurrence and co-occurrence counts cover
 * present memories only (latest, not forgotten). Id lists travel as one JSON array parameter.
 */
export class EntityStore {
  private readonly s;

  constructor(db: Db) {
    const p = (sql: string) => db.sqlite.prepare(sql);
    this.s = {
      get: p(`SELECT ${COLUMNS} FROM entities WHERE id = ? AND user_id = ?`),
      byKey: p(`SELECT ${COLUMNS} FROM entities WHERE user_id = ? AND key = ?`),
      byIds: p(`SELECT ${COLUMNS} FROM entities WHERE user_id = ? AND id IN (SELECT value FROM json_each(?))`),
      list: p(`SELECT ${COLUMNS} FROM entities WHERE user_id = ? ORDER BY occurrence_count DESC, id DESC LIMIT ? OFFSET ?`),
      listOfType: p(`SELECT ${COLUMNS} FROM entities WHERE user_id = ? AND entity_type = ? ORDER BY occurrence_count DESC, id DESC LIMIT ? OFFSET ?`),
      manual: p("SELECT name, aliases, entity_type AS type FROM entities WHERE user_id = ? AND origin = 'manual'"),
      declareExisting: p(
        "UPDATE entities SET origin = 'manual', entity_type = ?, description = ?, aliases = ?, space_id = ?, updated_at = ? WHERE id = ?",
      ),
      declareNew: p(
        `INSERT INTO entities (user_id, space_id, name, key, entity_type, description, aliases, origin, occurrence_count, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'manual', 0, ?, ?) RETURNING id`,
      ).pluck(),
      upsertExtracted: p(
        `INSERT INTO entities (user_id, name, key, entity_type, aliases, origin, occurrence_count, first_seen_at, last_seen_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, '[]', 'extracted', 0, ?, ?, ?, ?)
         ON CONFLICT (user_id, key) DO UPDATE SET last_seen_at = excluded.last_seen_at,
           first_seen_at = coalesce(entities.first_seen_at, excluded.first_seen_at),
           -- A later mention may say what a bare name is ("project Phoenix"); a declared type stays.
           entity_type = CASE WHEN entities.origin = 'extracted' AND entities.entity_type = 'other' THEN excluded.entity_type ELSE entities.entity_type END
         RETURNING id`,
      ).pluck(),
      indexed: p("SELECT 1 FROM memory_entities WHERE memory_id = ? AND origin = 'extracted' LIMIT 1"),
      addMention: p("INSERT OR IGNORE INTO memory_entities (memory_id, entity_id, user_id, salience, created_at, origin) VALUES (?, ?, ?, ?, ?, ?)"),
      countMention: p("UPDATE entities SET occurrence_count = occurrence_count + 1, last_seen_at = ? WHERE id = ?"),
      otherMentions: p("SELECT entity_id AS id, salience FROM memory_entities WHERE memory_id = ? AND entity_id != ?"),
      addPair: p(
        `INSERT INTO entity_cooccurrences (user_id, entity_a, entity_b, count, weight, updated_at) VALUES (?, ?, ?, 1, ?, ?)
         ON CONFLICT (entity_a, entity_b) DO UPDATE SET count = count + 1, weight = weight + excluded.weight, updated_at = excluded.updated_at`,
      ),
      mentions: p("SELECT entity_id AS id, salience FROM memory_entities WHERE memory_id = ?"),
      uncount: p("UPDATE entities SET occurrence_count = max(0, occurrence_count - 1) WHERE id = ?"),
      unpair: p("UPDATE entity_cooccurrences SET count = count - 1, weight = weight - ? WHERE entity_a = ? AND entity_b = ?"),
      dropEmptyPairs: p("DELETE FROM entity_cooccurrences WHERE user_id = ? AND count <= 0"),
      mentionedBy: p(
        `SELECT DISTINCT entity_id AS id FROM memory_entities
          WHERE user_id = ? AND memory_id IN (SELECT value FROM json_each(?)) ORDER BY entity_id`,
      ).pluck(),
      deleteMentions: p("DELETE FROM memory_entities WHERE user_id = ? AND memory_id = ?"),
      deleteUnmentioned: p(
        `DELETE FROM entities WHERE user_id = ? AND origin = 'extracted' AND id IN (SELECT value FROM json_each(?))
            AND NOT EXISTS (SELECT 1 FROM memory_entities me WHERE me.entity_id = entities.id)`,
      ),
      recountOccurrences: p(
        `UPDATE entities SET occurrence_count = (SELECT count(*) FROM memory_entities me JOIN memories m ON m.id = me.memory_id
            WHERE me.entity_id = entities.id AND ${COUNTED})
          WHERE user_id = ? AND id IN (SELECT value FROM json_each(?))`,
      ),
      deletePairsAmong: p(
        `DELETE FROM entity_cooccurrences WHERE user_id = ?
            AND entity_a IN (SELECT value FROM json_each(?)) AND entity_b IN (SELECT value FROM json_each(?))`,
      ),
      recountPairsAmong: p(
        `INSERT INTO entity_cooccurrences (user_id, entity_a, entity_b, count, weight, updated_at)
         SELECT a.user_id, a.entity_id, b.entity_id, count(*), sum(a.salience * b.salience), ?
           FROM memory_entities a JOIN memory_entities b ON b.memory_id = a.memory_id AND b.entity_id > a.entity_id
           JOIN memories m ON m.id = a.memory_id
          WHERE a.user_id = ? AND a.entity_id IN (SELECT value FROM json_each(?)) AND b.entity_id IN (SELECT value FROM json_each(?))
            AND ${COUNTED}
          GROUP BY a.entity_id, b.entity_id`,
      ),
      rebuildOccurrences: p(
        `UPDATE entities SET occurrence_count = (SELECT count(*) FROM memory_entities me JOIN memories m ON m.id = me.memory_id
           WHERE me.entity_id = entities.id AND ${COUNTED}) WHERE user_id = ?`,
      ),
      deletePairs: p("DELETE FROM entity_cooccurrences WHERE user_id = ?"),
      rebuildPairs: p(
        `INSERT INTO entity_cooccurrences (user_id, entity_a, entity_b, count, weight, updated_at)
         SELECT ?, a.entity_id, b.entity_id, count(*), sum(a.salience * b.salience), ?
           FROM memory_entities a JOIN memory_entities b ON b.memory_id = a.memory_id AND b.entity_id > a.entity_id
           JOIN memories m ON m.id = a.memory_id
          WHERE a.user_id = ? AND ${COUNTED}
          GROUP BY a.entity_id, b.entity_id`,
      ),
      ofMemory: p(
        `SELECT e.id, me.salience FROM memory_entities me JOIN entities e ON e.id = me.entity_id
          WHERE me.memory_id = ? AND e.user_id = ? ORDER BY me.salience DESC, e.id`,
      ),
      mentioning: p(
        `SELECT m.id, me.salience FROM memory_entities me JOIN memories m ON m.id = me.memory_id
          WHERE me.entity_id = ? AND m.user_id = ? AND ${liveMemorySql("m")} ORDER BY m.id DESC LIMIT ?`,
      ),
      cooccurring: p(
        `SELECT CASE WHEN entity_a = ? THEN entity_b ELSE entity_a END AS id, count, weight FROM entity_cooccurrences
          WHERE user_id = ? AND (entity_a = ? OR entity_b = ?) ORDER BY weight DESC, count DESC LIMIT ?`,
      ),
      pairs: p(
        `SELECT entity_a AS a, entity_b AS b, count, weight FROM entity_cooccurrences
          WHERE user_id = ? ORDER BY weight DESC, count DESC, entity_a, entity_b LIMIT ?`,
      ),
      weekly: p(
        `SELECT ${isoWeekStartSql("coalesce(first_seen_at, created_at)")} AS week, count(*) AS entities FROM entities WHERE user_id = ? GROUP BY 1`,
      ),
    };
  }

  get(userId: number, id: number): EntityRow | undefined {
    const r = this.s.get.get(id, userId) as SqlEntity | undefined;
    return r && toRow(r);
  }

  byKey(userId: number, key: string): EntityRow | undefined {
    const r = this.s.byKey.get(userId, key) as SqlEntity | undefined;
    return r && toRow(r);
  }

  /** The user's entities among `ids`, in no particular order. */
  byIds(userId: number, ids: readonly number[]): EntityRow[] {
    return (this.s.byIds.all(userId, JSON.stringify(ids)) as SqlEntity[]).map(toRow);
  }

  /** The user's entities (of one type if given), most named first. */
  list(userId: number, opts: { limit: number; offset: number; type?: EntityType | undefined }): EntityRow[] {
    const rows = opts.type ? this.s.listOfType.all(userId, opts.type, opts.limit, opts.offset) : this.s.list.all(userId, opts.limit, opts.offset);
    return (rows as SqlEntity[]).map(toRow);
  }

  /** Entities declared by hand, as extraction matches them (by name and alias). */
  manual(userId: number): KnownEntity[] {
    const rows = this.s.manual.all(userId) as { name: string; aliases: string; type: EntityType }[];
    return rows.map((m) => ({ name: m.name, aliases: JSON.parse(m.aliases) as string[], type: m.type }));
  }

  /** Makes an existing entity a declared ('manual') one with these fields. */
  declareExisting(id: number, d: DeclaredEntity, now: string): void {
    this.s.declareExisting.run(d.entityType, d.description, JSON.stringify(d.aliases), d.spaceId, now, id);
  }

  /** Adds a declared entity, named no times yet; returns its id. */
  declareNew(userId: number, name: string, key: string, d: DeclaredEntity, now: string): number {
    return this.s.declareNew.get(userId, d.spaceId, name, key, d.entityType, d.description, JSON.stringify(d.aliases), now, now) as number;
  }

  /** Adds an extracted entity, or marks an existing one seen again; returns its id. */
  upsertExtracted(userId: number, e: { name: string; key: string; type: EntityType }, now: string): number {
    return this.s.upsertExtracted.get(userId, e.name, e.key, e.type, now, now, now, now) as number;
  }

  /** Whether the memory's entities have been extracted (it names at least one); links its writer gave do not count. */
  isIndexed(memoryId: number): boolean {
    return this.s.indexed.get(memoryId) !== undefined;
  }

  /** Records that a memory names an entity, found by extraction or given by its writer; false when it was already recorded. */
  addMention(userId: number, memoryId: number, entityId: number, salience: number, now: string, origin: "extracted" | "given" = "extracted"): boolean {
    return this.s.addMention.run(memoryId, entityId, userId, salience, now, origin).changes > 0;
  }

  /** One more occurrence of the entity, seen now. */
  countMention(entityId: number, now: string): void {
    this.s.countMention.run(now, entityId);
  }

  /** The other entities a memory names, with their salience there. */
  otherMentions(memoryId: number, entityId: number): Salience[] {
    return this.s.otherMentions.all(memoryId, entityId) as Salience[];
  }

  /** One more co-occurrence of two entities (a < b), adding `weight`. */
  addPair(userId: number, a: number, b: number, weight: number, now: string): void {
    this.s.addPair.run(userId, a, b, weight, now);
  }

  /** The entities a memory names, with their salience there. */
  mentions(memoryId: number): Salience[] {
    return this.s.mentions.all(memoryId) as Salience[];
  }

  /** One occurrence fewer (never below zero). */
  uncount(entityId: number): void {
    this.s.uncount.run(entityId);
  }

  /** One co-occurrence of two entities (a < b) fewer, taking back `weight`. */
  unpair(a: number, b: number, weight: number): void {
    this.s.unpair.run(weight, a, b);
  }

  /** Drops the user's pairs no memory names together any more. */
  dropEmptyPairs(userId: number): void {
    this.s.dropEmptyPairs.run(userId);
  }

  /** The entities the given memories name. */
  mentionedBy(userId: number, memoryIds: readonly number[]): number[] {
    return this.s.mentionedBy.all(userId, JSON.stringify(memoryIds)) as number[];
  }

  /** Removes a memory's mentions (its row's deletion would cascade to them; the counts need them gone first). */
  deleteMentions(userId: number, memoryId: number): void {
    this.s.deleteMentions.run(userId, memoryId);
  }

  /**
   * Deletes the extracted entities among `entityIds` that no memory names any more; their
   * co-occurrence rows go with them (cascade). Entities declared by hand ('manual') stay.
   */
  deleteUnmentioned(userId: number, entityIds: readonly number[]): number {
    return this.s.deleteUnmentioned.run(userId, JSON.stringify(entityIds)).changes;
  }

  /**
   * Recomputes, from the mentions in present memories, the occurrence counts of `entityIds`
   * and the co-occurrences among them: what `rebuild` does for a whole tenant, for the
   * entities one change touched. Bounded by those entities' mentions.
   */
  recount(userId: number, entityIds: readonly number[], now: string): void {
    if (entityIds.length === 0) return;
    const ids = JSON.stringify(entityIds);
    this.s.recountOccurrences.run(userId, ids);
    this.s.deletePairsAmong.run(userId, ids, ids);
    this.s.recountPairsAmong.run(now, userId, ids, ids);
  }

  /** Recomputes the user's occurrence and co-occurrence counts from the mentions in present memories. */
  rebuild(userId: number, now: string): { entities: number; pairs: number } {
    const entities = this.s.rebuildOccurrences.run(userId).changes;
    this.s.deletePairs.run(userId);
    const pairs = this.s.rebuildPairs.run(userId, now, userId).changes;
    return { entities, pairs };
  }

  /** The user's entities a memory names, most salient first. */
  ofMemory(userId: number, memoryId: number): Salience[] {
    return this.s.ofMemory.all(memoryId, userId) as Salience[];
  }

  /** The user's live memories naming the entity, newest first, with the entity's salience in each. */
  mentioning(userId: number, entityId: number, limit: number): Salience[] {
    return this.s.mentioning.all(entityId, userId, limit) as Salience[];
  }

  /** Entities named together with this one, strongest first. */
  cooccurring(userId: number, entityId: number, limit: number): { id: number; count: number; weight: number }[] {
    return this.s.cooccurring.all(entityId, userId, entityId, entityId, limit) as { id: number; count: number; weight: number }[];
  }

  /** The user's pairs of entities named together, strongest first. */
  pairs(userId: number, limit: number): { a: number; b: number; count: number; weight: number }[] {
    return this.s.pairs.all(userId, limit) as { a: number; b: number; count: number; weight: number }[];
  }

  /** Entities the user's memories first named per ISO week, in no particular order. */
  weeklyEntities(userId: number): { week: string; entities: number }[] {
    return this.s.weekly.all(userId) as { week: string; entities: number }[];
  }
}
