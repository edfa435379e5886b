import { z } from "zod";
import type { EntityRow, MemoryRow } from "../db/index.js";
import { isoNow, type CoreContext } from "../context.js";
import { invalid, notFound } from "../errors.js";
import { typeError } from "../memory/index.js";
import type { MemoryLookups } from "../memory/index.js";
import type { SpaceStore } from "../auth/index.js";
import { ENTITY_TYPES, entityKey, MAX_ENTITY_SCAN_CHARS, type EntityType, type KnownEntity } from "./entity-rules.js";
import type { EntityExtractor } from "./entity-extractor.js";
import type { EntityStore } from "./store/entities.js";
import type { TextIndex } from "./text-index.js";

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

/** Two entities named in the same memories: how often, and how strongly (summed salience). */
export interface EntityRelationship {
  source: EntityRow;
  target: EntityRow;
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
/** Extraction reads only this much of a memory: no more is loaded or sent to the worker. */
const SCANNED_CHARS = MAX_ENTITY_SCAN_CHARS + 1;
/** Salience of a link the writer gave: the highest, as the memory is about the entity by their word. */
const GIVEN_SALIENCE = 1;

/** Where entities are kept, and what they are checked against. */
export interface EntityDeps {
  store: EntityStore;
  memories: MemoryLookups;
  spaces: SpaceStore;
  /** Finds the memories that may name a newly declared entity. */
  text: TextIndex;
}

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
    private readonly deps: EntityDeps,
  ) {}

  private get sqlite() {
    return this.ctx.db.sqlite;
  }

  private get store() {
    return this.deps.store;
  }

  get(userId: number, id: number): EntityRow {
    const row = this.store.get(userId, id);
    if (!row) throw notFound("entity");
    return row;
  }

  list(userId: number, opts: { limit: number; offset: number; type?: EntityType | undefined }): EntityRow[] {
    return this.store.list(userId, opts);
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
    const before = this.store.byKey(userId, key);
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
      const existing = this.store.byKey(userId, key);
      let id: number;
      if (existing) {
        this.store.declareExisting(
          existing.id,
          {
            entityType: input.entity_type ?? (existing.origin === "manual" ? existing.entityType : defaultType),
            description: input.description !== undefined ? input.description : existing.description,
            aliases: [...new Set([...existing.aliases, ...(input.aliases ?? [])])],
            spaceId: input.space_id !== undefined ? input.space_id : existing.spaceId,
          },
          now,
        );
        id = existing.id;
      } else {
        id = this.store.declareNew(
          userId,
          input.name,
          key,
          { entityType: input.entity_type ?? defaultType, description: input.description ?? null, aliases: [...new Set(input.aliases ?? [])], spaceId: input.space_id ?? null },
          now,
        );
      }
      for (const m of mentions) if (this.deps.memories.isPresent(userId, m.id)) this.attach(userId, m.id, id, m.salience, now);
      return { entity: this.get(userId, id), created: !existing };
    })();
  }

  private checkSpace(userId: number, spaceId: number | null | undefined): void {
    if (spaceId == null) return;
    if (!this.deps.spaces.own(userId, spaceId)) throw invalid("space_id", "no such space");
  }

  /** The user's memories that name a just-declared entity, with its salience there (FTS finds candidates, extraction confirms). */
  private async mentionsOf(userId: number, known: KnownEntity, key: string): Promise<{ id: number; salience: number }[]> {
    const candidates = this.deps.text.withPhrases(userId, [known.name, ...known.aliases], RETRO_SCAN_LIMIT, SCANNED_CHARS);
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
    const memory = this.deps.memories.presentHead(userId, memoryId, SCANNED_CHARS);
    if (!memory || this.store.isIndexed(memoryId)) return 0;
    const [found] = await this.extractor.extract([memory.content], this.store.manual(userId));
    return this.sqlite.transaction(() => {
      // While the worker ran, the memory may have gone, or another run of this job indexed it.
      if (!this.deps.memories.isPresent(userId, memoryId) || this.store.isIndexed(memoryId)) return 0;
      const now = isoNow(this.ctx);
      for (const e of found!) this.attach(userId, memoryId, this.store.upsertExtracted(userId, e, now), e.salience, now);
      if (memory.parentId != null) this.retireVersion(userId, memory.parentId);
      return found!.length;
    })();
  }

  /** The caller's entities among `ids`; a missing or another tenant's id is a 404 naming it (as `field`). */
  requireOwned(userId: number, ids: readonly number[], field: string): void {
    for (const id of ids) if (!this.store.get(userId, id)) throw notFound(`${field} ${id}: entity`);
  }

  /**
   * Links a memory to entities its writer named (entity_ids on /ingest), counted as an extracted
   * mention is, at full salience: the writer says the memory is about them. Call it in the
   * memory's write transaction, after `requireOwned`; an entity gone since is skipped. The
   * memory's own extraction still runs (these links do not mark it indexed).
   */
  linkGiven(userId: number, memoryId: number, entityIds: readonly number[]): void {
    const now = isoNow(this.ctx);
    for (const id of new Set(entityIds)) if (this.store.get(userId, id)) this.attach(userId, memoryId, id, GIVEN_SALIENCE, now, "given");
  }

  /** Links one entity to one memory and counts it: one more occurrence, one more co-occurrence with each entity already there. */
  private attach(userId: number, memoryId: number, entityId: number, salience: number, now: string, origin: "extracted" | "given" = "extracted"): void {
    if (!this.store.addMention(userId, memoryId, entityId, salience, now, origin)) return;
    this.store.countMention(entityId, now);
    for (const o of this.store.otherMentions(memoryId, entityId)) {
      this.store.addPair(userId, Math.min(o.id, entityId), Math.max(o.id, entityId), o.salience * salience, now);
    }
  }

  /** Takes a superseded version's entities out of the counts (only if it is no longer the latest). */
  private retireVersion(userId: number, parentId: number): void {
    if (this.deps.memories.isLatest(userId, parentId) !== false) return;
    const mentions = this.store.mentions(parentId);
    for (const [i, a] of mentions.entries()) {
      this.store.uncount(a.id);
      for (const b of mentions.slice(i + 1)) this.store.unpair(Math.min(a.id, b.id), Math.max(a.id, b.id), a.salience * b.salience);
    }
    this.store.dropEmptyPairs(userId);
  }

  /**
   * What a memory's permanent deletion takes with it, inside the delete's transaction and
   * before its row goes: its mentions, their share of the counts and co-occurrences, and the
   * extracted entities no memory names any more (an e-mail address, a path). Entities declared
   * by hand stay, named or not. `restoredId` is the version the deletion made latest again:
   * its entities count again.
   */
  forgetMemory(userId: number, memoryId: number, restoredId: number | null): void {
    const touched = this.store.mentionedBy(userId, restoredId === null ? [memoryId] : [memoryId, restoredId]);
    this.store.deleteMentions(userId, memoryId);
    this.store.deleteUnmentioned(userId, touched);
    this.store.recount(userId, touched, isoNow(this.ctx));
  }

  /** Recomputes occurrence and co-occurrence counts from the links of the user's latest, live memories. */
  rebuildCounts(userId: number): { entities: number; pairs: number } {
    return this.sqlite.transaction(() => this.store.rebuild(userId, isoNow(this.ctx)))();
  }

  /** The entities a memory names, most salient first; another tenant's memory is a 404. */
  ofMemory(userId: number, memoryId: number): EntityMention[] {
    if (!this.deps.memories.isUnforgotten(userId, memoryId)) throw notFound("memory");
    return this.withEntities(userId, this.store.ofMemory(userId, memoryId), (r, entity) => ({ entity, salience: r.salience }));
  }

  /** Latest, live memories naming the entity, newest first. */
  memories(userId: number, entityId: number, limit: number): { memory: MemoryRow; salience: number }[] {
    this.get(userId, entityId);
    const rows = this.store.mentioning(userId, entityId, limit);
    if (rows.length === 0) return [];
    const byId = new Map(this.deps.memories.rows(userId, rows.map((r) => r.id)).map((m) => [m.id, m]));
    return rows.flatMap((r) => (byId.has(r.id) ? [{ memory: byId.get(r.id)!, salience: r.salience }] : []));
  }

  /** Entities named together with this one, strongest first. */
  cooccurring(userId: number, entityId: number, limit: number): Cooccurrence[] {
    this.get(userId, entityId);
    const rows = this.store.cooccurring(userId, entityId, limit);
    return this.withEntities(userId, rows, (r, entity) => ({ entity, count: r.count, weight: Math.round(r.weight * 1e4) / 1e4 }));
  }

  /**
   * The user's relationships between entities (co-occurrence in memories), strongest first:
   * one entity's (a 404 if it is not the user's), or all of them.
   */
  relationships(userId: number, opts: { entityId?: number | undefined; limit: number }): EntityRelationship[] {
    if (opts.entityId !== undefined) {
      const source = this.get(userId, opts.entityId);
      return this.cooccurring(userId, opts.entityId, opts.limit).map((c) => ({ source, target: c.entity, count: c.count, weight: c.weight }));
    }
    const pairs = this.store.pairs(userId, opts.limit);
    if (pairs.length === 0) return [];
    const byId = new Map(this.store.byIds(userId, [...new Set(pairs.flatMap((p) => [p.a, p.b]))]).map((e) => [e.id, e]));
    return pairs.flatMap((p) => {
      const source = byId.get(p.a);
      const target = byId.get(p.b);
      return source && target ? [{ source, target, count: p.count, weight: Math.round(p.weight * 1e4) / 1e4 }] : [];
    });
  }

  /** Pairs each row with the user's entity of its id, dropping any that is not the user's. */
  private withEntities<R extends { id: number }, T>(userId: number, rows: R[], make: (r: R, e: EntityRow) => T): T[] {
    if (rows.length === 0) return [];
    const byId = new Map(this.store.byIds(userId, rows.map((r) => r.id)).map((e) => [e.id, e]));
    return rows.flatMap((r) => (byId.has(r.id) ? [make(r, byId.get(r.id)!)] : []));
  }
}
