import { isoNow, type CoreContext } from "../context.js";
import { SpaceStore } from "../auth/index.js";
import type { MemoryEvents } from "../events/index.js";
import { initialColumns } from "../fsrs/index.js";
import { linkStore, MemoryStore, normalizeTags, simhash, type MemoryService, type NewMemoryRow } from "../memory/index.js";
import {
  EXPORT_VERSION,
  NDJSON_FORMAT,
  parseImportBody,
  parseImportRoute,
  type ImportError,
  type ImportFormat,
  type ImportRoute,
  type MemoryRecord,
  type ParsedBundle,
} from "./bundle.js";
import { PortabilityStore, type ExportCounts, type ExportMemoryRow } from "./store.js";

/** Rows read per query while exporting: enough to keep the stream busy, few enough to hold. */
const EXPORT_PAGE = 500;

export interface ExportOptions {
  includeForgotten: boolean;
  username: string;
}

/** One export record, `type` first (3.1); `format=json` drops `type` and groups them. */
export type ExportRecord = { type: string } & Record<string, unknown>;

export interface ImportResult {
  imported: number;
  /** Memories already held, and records skipped as unusable (listed in `errors`). */
  skipped: number;
  format: ImportFormat;
  by_type: { memory: number; link: number; space: number };
  errors: ImportError[];
}

export interface PortabilityDeps {
  memories: MemoryService;
  events: MemoryEvents;
  /** Starts embedding what an import wrote without vectors. */
  backfill: () => void;
}

const bool = (v: number) => v === 1;

function memoryRecord(r: ExportMemoryRow): ExportRecord {
  return {
    type: "memory",
    ...r,
    tags: JSON.parse(r.tags) as string[],
    is_static: bool(r.is_static),
    is_archived: bool(r.is_archived),
    is_forgotten: bool(r.is_forgotten),
    is_latest: bool(r.is_latest),
  };
}

/**
 * Export and import of a tenant's data (contracts/platform.md §3.1, §3.2). An export is read a
 * page at a time and handed out record by record; an import is parsed and checked whole, then
 * written in one transaction, so a bad record or a crash leaves the tenant as it was.
 */
export class PortabilityService {
  private readonly store: PortabilityStore;
  private readonly rows: MemoryStore;
  private readonly spaces: SpaceStore;

  constructor(
    private readonly ctx: CoreContext,
    private readonly deps: PortabilityDeps,
  ) {
    this.store = new PortabilityStore(ctx.db);
    this.rows = new MemoryStore(ctx.db);
    this.spaces = new SpaceStore(ctx.db);
  }

  /**
   * The tenant's records in export order: header, spaces, memories (every version, by id, so a
   * parent precedes its children), links, entities, footer. Lazy: each page is read when the
   * consumer reaches it. The header's counts are taken first; the footer counts what was written.
   */
  *exportRecords(userId: number, opts: ExportOptions): Generator<ExportRecord> {
    const forgotten = opts.includeForgotten;
    const counts: ExportCounts = this.store.counts(userId, forgotten);
    yield { type: "header", format: NDJSON_FORMAT, version: EXPORT_VERSION, exported_at: isoNow(this.ctx), user_id: userId, username: opts.username, counts };
    let records = 0;
    for (const s of this.store.spaces(userId)) {
      records++;
      yield { type: "space", ...s };
    }
    const pages = <R extends { id: number }>(read: (after: number) => R[], shape: (r: R) => ExportRecord) =>
      function* () {
        for (let after = 0; ; ) {
          const page = read(after);
          for (const r of page) yield shape(r);
          if (page.length < EXPORT_PAGE) return;
          after = page[page.length - 1]!.id;
        }
      };
    const sections = [
      pages((after) => this.store.memoriesAfter(userId, after, EXPORT_PAGE, forgotten), memoryRecord),
      pages(
        (after) => this.store.linksAfter(userId, after, EXPORT_PAGE, forgotten),
        ({ id: _id, ...l }) => ({ type: "link", ...l }),
      ),
      pages(
        (after) => this.store.entitiesAfter(userId, after, EXPORT_PAGE),
        ({ aliases, origin, occurrence_count, memory_ids, ...e }) => ({
          type: "entity",
          ...e,
          metadata: { aliases: JSON.parse(aliases) as string[], origin, occurrence_count },
          memory_ids: JSON.parse(memory_ids) as number[],
        }),
      ),
    ];
    for (const section of sections) {
      for (const rec of section()) {
        records++;
        yield rec;
      }
    }
    yield { type: "footer", records };
  }

  /**
   * Imports a body into the tenant (3.2): parsed and validated whole first (a bad record throws
   * `invalid` naming its line or field, before any write), then written in one transaction.
   * Memories whose sync_id the tenant holds are skipped (so a second import adds nothing); bodies
   * without sync ids skip near-duplicates by the store path's SimHash rule.
   */
  import(userId: number, body: string, contentType: string | undefined): ImportResult {
    return this.commit(userId, parseImportBody(body, contentType));
  }

  /** POST /import/json, /import/mem0, /import/supermemory (3.3): one format each, the same rules as `import`. */
  importAs(userId: number, route: ImportRoute, body: string): ImportResult {
    return this.commit(userId, parseImportRoute(route, body));
  }

  private commit(userId: number, bundle: ParsedBundle): ImportResult {
    const written: number[] = [];
    const result = this.ctx.db.sqlite.transaction(() => this.write(userId, bundle, written))();
    if (written.length > 0) {
      this.deps.events.emitChanged({ userId, changes: written.map((memoryId) => ({ kind: "written" as const, memoryId, vector: null })) });
      this.deps.backfill();
    }
    return result;
  }

  private write(userId: number, bundle: ParsedBundle, written: number[]): ImportResult {
    const now = isoNow(this.ctx);
    const byType = { memory: 0, link: 0, space: 0 };
    const spaceIds = new Map<string, number>();
    const spaceOf = (name: string, description: string | null = null): number => {
      const known = spaceIds.get(name) ?? this.spaces.byName(userId, name)?.id;
      if (known !== undefined) {
        spaceIds.set(name, known);
        return known;
      }
      const created = this.spaces.insert({ userId, name, description, createdAt: now }).id;
      byType.space++;
      spaceIds.set(name, created);
      return created;
    };
    for (const s of bundle.spaces) spaceOf(s.name, s.description ?? null);
    const defaultSpace = this.deps.memories.defaultSpaceId(userId);

    const sorted = [...bundle.memories].sort((a, b) => (a.record.id ?? Infinity) - (b.record.id ?? Infinity));
    const syncIds = sorted.map((m) => m.record.sync_id).filter((s): s is string => typeof s === "string");
    const held = this.store.idsBySyncId(userId, syncIds);
    /** Exported id → this tenant's id; `roots` holds each new row's chain root. */
    const ids = new Map<number, number>();
    const roots = new Map<number, number>();
    const fresh = new Set<number>();
    let skipped = 0;
    for (const { record } of sorted) {
      const spaceId = record.space ? spaceOf(record.space) : defaultSpace;
      const existing = record.sync_id ? held.get(record.sync_id) : this.deps.memories.nearDuplicateOf(userId, spaceId, record.content);
      if (existing !== undefined) {
        skipped++;
        if (record.id != null) ids.set(record.id, existing);
        continue;
      }
      const parentId = record.parent_memory_id != null ? ids.get(record.parent_memory_id) : undefined;
      const row = this.rows.insert(this.newRow(userId, record, spaceId, parentId, parentId !== undefined ? (roots.get(parentId) ?? parentId) : undefined, now));
      // A later duplicate of this sync id inside the same body is skipped too.
      if (record.sync_id) held.set(record.sync_id, row.id);
      if (record.id != null) ids.set(record.id, row.id);
      if (parentId !== undefined) roots.set(row.id, roots.get(parentId) ?? parentId);
      fresh.add(row.id);
      written.push(row.id);
    }
    byType.memory = written.length;
    const links = linkStore(this.ctx.db);
    for (const l of bundle.links) {
      const sourceId = ids.get(l.source_id);
      const targetId = ids.get(l.target_id);
      // Only links between two memories this import wrote: one already held kept its own links.
      if (sourceId === undefined || targetId === undefined || !(fresh.has(sourceId) || fresh.has(targetId))) continue;
      byType.link += links.insert(userId, { sourceId, targetId, type: l.link_type, similarity: l.similarity }, l.created_at ?? now);
    }
    return { imported: written.length, skipped: skipped + bundle.errors.length, format: bundle.format, by_type: byType, errors: bundle.errors };
  }

  /**
   * The row an imported record becomes: what POST /store gives (normalised tags, FTS through the
   * store, FSRS state, a sync id), with the record's own history kept where it has one. A record
   * whose parent is not in the body starts its own chain as version 1.
   */
  private newRow(userId: number, r: MemoryRecord, spaceId: number | null, parentId: number | undefined, rootId: number | undefined, now: string): NewMemoryRow {
    const createdAt = r.created_at ?? now;
    const status = r.status ?? (r.is_forgotten ? "forgotten" : r.is_archived ? "archived" : "active");
    const fsrs =
      r.fsrs_stability != null
        ? {
            fsrsStability: r.fsrs_stability,
            fsrsDifficulty: r.fsrs_difficulty ?? null,
            fsrsStorageStrength: r.fsrs_storage_strength ?? null,
            fsrsRetrievalStrength: r.fsrs_retrieval_strength ?? null,
            fsrsLearningState: r.fsrs_learning_state ?? null,
            fsrsReps: r.fsrs_reps ?? 0,
            fsrsLapses: r.fsrs_lapses ?? 0,
            fsrsLastReviewAt: r.fsrs_last_review_at ?? null,
            decayScore: r.decay_score ?? 1,
          }
        : initialColumns(new Date(createdAt));
    return {
      userId,
      spaceId,
      content: r.content,
      category: r.category ?? "general",
      source: r.source ?? "import",
      importance: Math.round(r.importance ?? 5),
      tags: normalizeTags(r.tags ?? []),
      sessionId: r.session_id ?? null,
      forgetAfter: r.forget_after ?? null,
      forgetReason: r.forget_reason ?? null,
      isStatic: r.is_static ?? false,
      version: parentId !== undefined ? (r.version ?? 1) : 1,
      isLatest: r.is_latest ?? true,
      parentMemoryId: parentId ?? null,
      rootMemoryId: rootId ?? null,
      sourceCount: r.source_count ?? 1,
      confidence: r.confidence ?? 1,
      simhash: simhash(r.content),
      status,
      isForgotten: status === "forgotten",
      isArchived: status === "archived",
      reviewStatus: r.review_status ?? "approved",
      accessCount: r.access_count ?? 0,
      lastAccessedAt: r.last_accessed_at ?? null,
      ...fsrs,
      createdAt,
      updatedAt: r.updated_at ?? createdAt,
      syncId: r.sync_id ?? undefined,
    };
  }
}
