import { and, desc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { entities, memories, spaces, type EntityRow, type MemoryRow } from "../db/schema.js";
import { isoNow, type CoreContext } from "../context.js";
import { invalid, notFound } from "../errors.js";
import { typeError } from "../memory/schemas.js";
import { ENTITY_TYPES, entityKey, MAX_ENTITY_SCAN_CHARS, type EntityType, type KnownEntity } from "./entity-rules.js";
import type { EntityExtractor } from "./entity-extractor.js";
import { deleteMentions, deleteUnmentionedEntities, LIVE_MEMORY, mentionedEntityIds, recountEntities } from "./entity-store.js";

const nameSchema = z
  .string({ error: typeError("a string") })
  .trim()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters");

/** POST /entities and POST /projects. */
export const entityInputSchema = z.object({
  name: nameSchema,
  entity_type: z.enum(ENTITY_TYPES, { error: `must be one of ${ENTITY_TYPES.join(", ")}` }).optional(),
  description: z.string().max(2000, "must be at most 2000 characters").nullish(),
  aliases: z.array(nameSchema).max(50, "at most 50 aliases").optional(),
  space_id: z.number().int().positive().nullish(),
});
export type EntityInput = z.output<typeof entityInputSchema>;

export interface EntityMention {
  entity: EntityRow;
  salience: number;
}

export interface Cooccurrence {
  entity: EntityRow;
  count: number;
  weight: number;
}

/** Memories scanned for a newly declared entity's name: enough for a tenant's working set. */
const RETRO_SCAN_LIMIT = 2000;
/**
 * Those memories go to the extraction worker in tasks of this many, each read up to 16 KB: at
 * most 4 MB a task, well under a second even for text dense with names, so each task stays far
 * inside the worker's time limit.
 */
const RETRO_BATCH = 250;
const LIVE = LIVE_MEMORY;
/** Extraction reads only this much of a memory: no more is loaded or sent to the worker. */
const SCANNED_CONTENT = `substr(m.content, 1, ${MAX_ENTITY_SCAN_CHARS + 1}) AS content`;

/**
 * Entities named in memories, the memories naming them, and how often two are named
 * together (co-occurrence: count of latest memories, weight = sum of salience products).
 * Indexing a memory updates the counts incrementally; `rebuildCounts` recomputes them from
 * the links, and the graph refresh runs it so forgets and deletes are accounted for.
 */
export class EntityService {
  constructor(
    private readonly ctx: CoreContext,
    /** Runs extraction off the main thread, with a time limit. */
    private readonly extractor: EntityExtractor,
  ) {}

  private get sqlite() {
    return this.ctx.db.sqlite;
  }

  get(userId: number, id: number): EntityRow {
    const row = this.ctx.db.orm
      .select()
      .from(entities)
      .where(and(eq(entities.id, id), eq(entities.userId, userId)))
      .get();
    if (!row) throw notFound("entity");
    return row;
  }

  list(userId: number, opts: { limit: number; offset: number; type?: EntityType | undefined }): EntityRow[] {
    const where = opts.type ? and(eq(entities.userId, userId), eq(entities.entityType, opts.type)) : eq(entities.userId, userId);
    return this.ctx.db.orm
      .select()
      .from(entities)
      .where(where)
      .orderBy(desc(entities.occurrenceCount), desc(entities.id))
      .limit(opts.limit)
      .offset(opts.offset)
      .all();
  }

  /**
   * Declares an entity (POST /entities, /projects). An existing one of the same name is
   * updated instead: it becomes 'manual', takes the given type and description, and gains
   * the aliases. Either way, the user's memories that already name it are linked to it.
   * Those are found first (on the extraction worker) and everything is written in one
   * transaction after, so a refusal (bad space, extraction past its time limit) changes nothing.
   */
  async declare(userId: number, input: EntityInput, defaultType: EntityType = "other"): Promise<{ entity: EntityRow; created: boolean }> {
    this.checkSpace(userId, input.space_id);
    const key = entityKey(input.name);
    const before = this.byKey(userId, key);
    // Matched as it will be once declared: by its name and every alias.
    const known: KnownEntity = {
      name: before?.name ?? input.name,
      aliases: [...new Set([...(before?.aliases ?? []), ...(input.aliases ?? [])])],
      type: input.entity_type ?? defaultType,
    };
    const mentions = await this.mentionsOf(userId, known, key);
    return this.sqlite.transaction(() => {
      // Checked again: the space may have gone while the worker ran.
      this.checkSpace(userId, input.space_id);
      const now = isoNow(this.ctx);
      const existing = this.byKey(userId, key);
      let id: number;
      if (existing) {
        const aliases = [...new Set([...existing.aliases, ...(input.aliases ?? [])])];
        this.ctx.db.orm
          .update(entities)
          .set({
            origin: "manual",
            entityType: input.entity_type ?? (existing.origin === "manual" ? existing.entityType : defaultType),
            description: input.description !== undefined ? input.description : existing.description,
            aliases,
            spaceId: input.space_id !== undefined ? input.space_id : existing.spaceId,
            updatedAt: now,
          })
          .where(eq(entities.id, existing.id))
          .run();
        id = existing.id;
      } else {
        id = this.ctx.db.orm
          .insert(entities)
          .values({
            userId,
            spaceId: input.space_id ?? null,
            name: input.name,
            key,
            entityType: input.entity_type ?? defaultType,
            description: input.description ?? null,
            aliases: [...new Set(input.aliases ?? [])],
            origin: "manual",
            occurrenceCount: 0,
            createdAt: now,
            updatedAt: now,
          })
          .returning({ id: entities.id })
          .get().id;
      }
      const live = this.sqlite.prepare(`SELECT 1 FROM memories m WHERE m.id = ? AND m.user_id = ? AND ${LIVE}`);
      for (const m of mentions) if (live.get(m.id, userId)) this.attach(userId, m.id, id, m.salience, now);
      return { entity: this.get(userId, id), created: !existing };
    })();
  }

  private checkSpace(userId: number, spaceId: number | null | undefined): void {
    if (spaceId == null) return;
    const own = this.ctx.db.orm
      .select({ id: spaces.id })
      .from(spaces)
      .where(and(eq(spaces.id, spaceId), eq(spaces.userId, userId)))
      .get();
    if (!own) throw invalid("space_id", "no such space");
  }

  private byKey(userId: number, key: string): EntityRow | undefined {
    return this.ctx.db.orm
      .select()
      .from(entities)
      .where(and(eq(entities.userId, userId), eq(entities.key, key)))
      .get();
  }

  /** The user's memories that name a just-declared entity, with its salience there (FTS finds candidates, extraction confirms). */
  private async mentionsOf(userId: number, known: KnownEntity, key: string): Promise<{ id: number; salience: number }[]> {
    const phrases = [known.name, ...known.aliases]
      .map((n) => [...n.matchAll(/[\p{L}\p{N}_]+/gu)].map((w) => w[0]).join(" "))
      .filter(Boolean)
      .map((p) => `"${p}"`);
    if (phrases.length === 0) return [];
    const candidates = this.sqlite
      .prepare(
        `SELECT m.id, ${SCANNED_CONTENT} FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid
          WHERE memories_fts MATCH ? AND m.user_id = ? AND ${LIVE} ORDER BY m.id DESC LIMIT ?`,
      )
      .all(phrases.join(" OR "), userId, RETRO_SCAN_LIMIT) as { id: number; content: string }[];
    const mentions: { id: number; salience: number }[] = [];
    for (let i = 0; i < candidates.length; i += RETRO_BATCH) {
      const batch = candidates.slice(i, i + RETRO_BATCH);
      const found = await this.extractor.extract(
        batch.map((c) => c.content),
        [known],
      );
      batch.forEach((c, j) => {
        const mention = found[j]!.find((e) => e.key === key);
        if (mention) mentions.push({ id: c.id, salience: mention.salience });
      });
    }
    return mentions;
  }

  /**
   * Extracts and links the entities a stored memory names. A memory already indexed is left
   * alone (a retried job must not count twice). For a new version, the previous version's
   * contribution to the counts is taken back, so a chain counts once.
   */
  async indexMemory(userId: number, memoryId: number): Promise<number> {
    const memory = this.sqlite
      .prepare(`SELECT m.id, ${SCANNED_CONTENT}, m.parent_memory_id AS parentId FROM memories m WHERE m.id = ? AND m.user_id = ? AND ${LIVE}`)
      .get(memoryId, userId) as { id: number; content: string; parentId: number | null } | undefined;
    const indexed = () => this.sqlite.prepare("SELECT 1 FROM memory_entities WHERE memory_id = ? LIMIT 1").get(memoryId) !== undefined;
    if (!memory || indexed()) return 0;
    const manual = this.sqlite
      .prepare("SELECT name, aliases, entity_type AS type FROM entities WHERE user_id = ? AND origin = 'manual'")
      .all(userId) as { name: string; aliases: string; type: EntityType }[];
    const [found] = await this.extractor.extract(
      [memory.content],
      manual.map((m) => ({ name: m.name, aliases: JSON.parse(m.aliases) as string[], type: m.type })),
    );
    return this.sqlite.transaction(() => {
      // While the worker ran, the memory may have gone, or another run of this job indexed it.
      const live = this.sqlite.prepare(`SELECT 1 FROM memories m WHERE m.id = ? AND m.user_id = ? AND ${LIVE}`).get(memoryId, userId);
      if (!live || indexed()) return 0;
      const now = isoNow(this.ctx);
      const upsert = this.sqlite.prepare(
        `INSERT INTO entities (user_id, name, key, entity_type, aliases, origin, occurrence_count, first_seen_at, last_seen_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, '[]', 'extracted', 0, ?, ?, ?, ?)
         ON CONFLICT (user_id, key) DO UPDATE SET last_seen_at = excluded.last_seen_at,
           first_seen_at = coalesce(entities.first_seen_at, excluded.first_seen_at),
           -- A later mention may say what a bare name is ("project Phoenix"); a declared type stays.
           entity_type = CASE WHEN entities.origin = 'extracted' AND entities.entity_type = 'other' THEN excluded.entity_type ELSE entities.entity_type END
         RETURNING id`,
      );
      for (const e of found!) {
        const { id } = upsert.get(userId, e.name, e.key, e.type, now, now, now, now) as { id: number };
        this.attach(userId, memoryId, id, e.salience, now);
      }
      if (memory.parentId != null) this.retireVersion(userId, memory.parentId);
      return found!.length;
    })();
  }

  /** Links one entity to one memory and counts it: one more occurrence, one more co-occurrence with each entity already there. */
  private attach(userId: number, memoryId: number, entityId: number, salience: number, now: string): void {
    const added = this.sqlite
      .prepare("INSERT OR IGNORE INTO memory_entities (memory_id, entity_id, user_id, salience, created_at) VALUES (?, ?, ?, ?, ?)")
      .run(memoryId, entityId, userId, salience, now).changes;
    if (!added) return;
    this.sqlite.prepare("UPDATE entities SET occurrence_count = occurrence_count + 1, last_seen_at = ? WHERE id = ?").run(now, entityId);
    const others = this.sqlite
      .prepare("SELECT entity_id AS id, salience FROM memory_entities WHERE memory_id = ? AND entity_id != ?")
      .all(memoryId, entityId) as { id: number; salience: number }[];
    const pair = this.sqlite.prepare(
      `INSERT INTO entity_cooccurrences (user_id, entity_a, entity_b, count, weight, updated_at) VALUES (?, ?, ?, 1, ?, ?)
       ON CONFLICT (entity_a, entity_b) DO UPDATE SET count = count + 1, weight = weight + excluded.weight, updated_at = excluded.updated_at`,
    );
    for (const o of others) pair.run(userId, Math.min(o.id, entityId), Math.max(o.id, entityId), o.salience * salience, now);
  }

  /** Takes a superseded version's entities out of the counts (only if it is no longer the latest). */
  private retireVersion(userId: number, parentId: number): void {
    const parent = this.sqlite.prepare("SELECT is_latest FROM memories WHERE id = ? AND user_id = ?").get(parentId, userId) as
      | { is_latest: number }
      | undefined;
    if (!parent || parent.is_latest) return;
    const mentions = this.sqlite.prepare("SELECT entity_id AS id, salience FROM memory_entities WHERE memory_id = ?").all(parentId) as {
      id: number;
      salience: number;
    }[];
    const occurrence = this.sqlite.prepare("UPDATE entities SET occurrence_count = max(0, occurrence_count - 1) WHERE id = ?");
    const pair = this.sqlite.prepare("UPDATE entity_cooccurrences SET count = count - 1, weight = weight - ? WHERE entity_a = ? AND entity_b = ?");
    for (const [i, a] of mentions.entries()) {
      occurrence.run(a.id);
      for (const b of mentions.slice(i + 1)) pair.run(a.salience * b.salience, Math.min(a.id, b.id), Math.max(a.id, b.id));
    }
    this.sqlite.prepare("DELETE FROM entity_cooccurrences WHERE user_id = ? AND count <= 0").run(userId);
  }

  /**
   * What a memory's permanent deletion takes with it, inside the delete's transaction and
   * before its row goes: its mentions, their share of the counts and co-occurrences, and the
   * extracted entities no memory names any more (an e-mail address, a path). Entities declared
   * by hand stay, named or not. `restoredId` is the version the deletion made latest again:
   * its entities count again.
   */
  forgetMemory(userId: number, memoryId: number, restoredId: number | null): void {
    const touched = mentionedEntityIds(this.ctx.db, userId, restoredId === null ? [memoryId] : [memoryId, restoredId]);
    deleteMentions(this.ctx.db, userId, memoryId);
    deleteUnmentionedEntities(this.ctx.db, userId, touched);
    recountEntities(this.ctx.db, userId, touched, isoNow(this.ctx));
  }

  /** Recomputes occurrence and co-occurrence counts from the links of the user's latest, live memories. */
  rebuildCounts(userId: number): { entities: number; pairs: number } {
    return this.sqlite.transaction(() => {
      const now = isoNow(this.ctx);
      const updated = this.sqlite
        .prepare(
          `UPDATE entities SET occurrence_count = (SELECT count(*) FROM memory_entities me JOIN memories m ON m.id = me.memory_id
             WHERE me.entity_id = entities.id AND ${LIVE}) WHERE user_id = ?`,
        )
        .run(userId).changes;
      this.sqlite.prepare("DELETE FROM entity_cooccurrences WHERE user_id = ?").run(userId);
      const pairs = this.sqlite
        .prepare(
          `INSERT INTO entity_cooccurrences (user_id, entity_a, entity_b, count, weight, updated_at)
           SELECT ?, a.entity_id, b.entity_id, count(*), sum(a.salience * b.salience), ?
             FROM memory_entities a JOIN memory_entities b ON b.memory_id = a.memory_id AND b.entity_id > a.entity_id
             JOIN memories m ON m.id = a.memory_id
            WHERE a.user_id = ? AND ${LIVE}
            GROUP BY a.entity_id, b.entity_id`,
        )
        .run(userId, now, userId).changes;
      return { entities: updated, pairs };
    })();
  }

  /** The entities a memory names, most salient first; another tenant's memory is a 404. */
  ofMemory(userId: number, memoryId: number): EntityMention[] {
    const own = this.sqlite.prepare("SELECT 1 FROM memories WHERE id = ? AND user_id = ? AND is_forgotten = 0").get(memoryId, userId);
    if (!own) throw notFound("memory");
    const rows = this.sqlite
      .prepare(
        `SELECT e.id, me.salience FROM memory_entities me JOIN entities e ON e.id = me.entity_id
          WHERE me.memory_id = ? AND e.user_id = ? ORDER BY me.salience DESC, e.id`,
      )
      .all(memoryId, userId) as { id: number; salience: number }[];
    return this.withEntities(userId, rows, (r, entity) => ({ entity, salience: r.salience }));
  }

  /** Latest, live memories naming the entity, newest first. */
  memories(userId: number, entityId: number, limit: number): { memory: MemoryRow; salience: number }[] {
    this.get(userId, entityId);
    const rows = this.sqlite
      .prepare(
        `SELECT m.id, me.salience FROM memory_entities me JOIN memories m ON m.id = me.memory_id
          WHERE me.entity_id = ? AND m.user_id = ? AND ${LIVE} AND m.is_archived = 0 ORDER BY m.id DESC LIMIT ?`,
      )
      .all(entityId, userId, limit) as { id: number; salience: number }[];
    if (rows.length === 0) return [];
    const byId = new Map(
      this.ctx.db.orm
        .select()
        .from(memories)
        .where(and(eq(memories.userId, userId), inArray(memories.id, rows.map((r) => r.id))))
        .all()
        .map((m) => [m.id, m]),
    );
    return rows.flatMap((r) => (byId.has(r.id) ? [{ memory: byId.get(r.id)!, salience: r.salience }] : []));
  }

  /** Entities named together with this one, strongest first. */
  cooccurring(userId: number, entityId: number, limit: number): Cooccurrence[] {
    this.get(userId, entityId);
    const rows = this.sqlite
      .prepare(
        `SELECT CASE WHEN entity_a = ? THEN entity_b ELSE entity_a END AS id, count, weight FROM entity_cooccurrences
          WHERE user_id = ? AND (entity_a = ? OR entity_b = ?) ORDER BY weight DESC, count DESC LIMIT ?`,
      )
      .all(entityId, userId, entityId, entityId, limit) as { id: number; count: number; weight: number }[];
    return this.withEntities(userId, rows, (r, entity) => ({ entity, count: r.count, weight: Math.round(r.weight * 1e4) / 1e4 }));
  }

  /** Pairs each row with the user's entity of its id, dropping any that is not the user's. */
  private withEntities<R extends { id: number }, T>(userId: number, rows: R[], make: (r: R, e: EntityRow) => T): T[] {
    if (rows.length === 0) return [];
    const byId = new Map(
      this.ctx.db.orm
        .select()
        .from(entities)
        .where(and(eq(entities.userId, userId), inArray(entities.id, rows.map((r) => r.id))))
        .all()
        .map((e) => [e.id, e]),
    );
    return rows.flatMap((r) => (byId.has(r.id) ? [make(r, byId.get(r.id)!)] : []));
  }
}
