import type { LinkRow, MemoryRow } from "../db/index.js";
import { invalid, notFound, conflict } from "../errors.js";
import { isoNow, type CoreContext } from "../context.js";
import { hammingDistance, hasSimhashTokens, simhash } from "./simhash.js";
import { differInSpecifics, textSignature } from "../text/index.js";
import { normalizeTags, type ListFilters, type StoreInput, type UpdateInput } from "./schemas.js";
import type { MemoryEvents } from "../events/index.js";
import type { JobQueue } from "../jobs/index.js";
import { SpaceStore } from "../auth/index.js";
import { initialColumns, reviewedColumns } from "../fsrs/index.js";
import { GRADE_AGAIN } from "../fsrs/index.js";
import { MemoryStore, type ExpiredMemory, type MemoryPatch, type MemoryStats } from "./store/memories.js";
import { linkStore, type LinkStore } from "./store/links.js";

export type StoreResult =
  | { kind: "stored"; memory: MemoryRow }
  | { kind: "duplicate"; existingId: number; distance: number };

/**
 * The job that runs the intelligence group's post-store steps (intelligence/post-store.ts) for
 * an approved memory; enqueued here, in the write's transaction, so no acknowledged write misses it.
 */
export const POST_STORE_JOB = "post_store";

/** How many of the user's newest memories a store is compared with for near-duplicates. */
const DEDUP_WINDOW = 500;
const DEDUP_MAX_DISTANCE = 3;

export type MemoryStatus = "active" | "archived" | "forgotten";

/** Where a derived memory lands: the review inbox or not, an episode or none, and when what it tells happened. */
export interface StorePlacement {
  reviewStatus?: "approved" | "pending";
  episodeId?: number | null;
  /** ISO-8601: a chat export's conversation time, an episode's start; facts date from it rather than from the store. */
  occurredAt?: string | null;
}

/**
 * Columns the intelligence group sets on an existing memory (contracts/intelligence.md §2):
 * flags a correction, deduplication or consolidation leaves, importance moved by feedback, and
 * what a derived memory carries beyond the store input. Never the text (that is a new version).
 */
export type DerivedColumns = Partial<Pick<MemoryPatch, "isSuperseded" | "isConsolidated" | "importance" | "sourceCount" | "episodeId" | "confidence" | "model">>;

/**
 * Where a memory's vector row goes, inside the write's transaction (vector/vector-store.ts; the
 * index follows the committed change through MemoryEvents). Declared here so that memory does
 * not import the vector subsystem, which reads the memories table through memory's live rule.
 */
export interface MemoryVectors {
  writeRow(userId: number, memoryId: number, vector: Float32Array): void;
}

export class MemoryService {
  private readonly rows: MemoryStore;
  private readonly linkStore: LinkStore;
  private readonly spaces: SpaceStore;

  constructor(
    private readonly ctx: CoreContext,
    private readonly vectors: MemoryVectors,
    /** Background work a write causes is enqueued here, inside the write's transaction. */
    private readonly jobs: JobQueue,
    /** Every write announces what it changed: the vector index, the search cache and the graph follow. */
    private readonly events: MemoryEvents,
    /** Whether approved writes enqueue the intelligence group's post_store job (ENGRAM_INTELLIGENCE_JOBS). */
    private readonly postStoreJobs = true,
  ) {
    this.rows = new MemoryStore(ctx.db);
    this.linkStore = linkStore(ctx.db);
    this.spaces = new SpaceStore(ctx.db);
  }

  /**
   * The background work a written version causes: graph links and the post-store steps, both
   * only once it is approved (a pending memory gets them when POST /inbox/{id}/approve runs).
   */
  private enqueueFollowUps(userId: number, row: MemoryRow): void {
    if (row.reviewStatus !== "approved") return;
    this.jobs.enqueue("auto_link", { memoryId: row.id }, { userId });
    if (this.postStoreJobs) this.jobs.enqueue(POST_STORE_JOB, { memoryId: row.id }, { userId });
  }

  /** The user's memory by id; another tenant's id is indistinguishable from a missing one. */
  find(userId: number, id: number): MemoryRow | undefined {
    return this.rows.find(userId, id);
  }

  /** As `find`, but forgotten memories count as missing, as GET /memory/:id wants. */
  get(userId: number, id: number): MemoryRow {
    const row = this.find(userId, id);
    if (!row || row.isForgotten) throw notFound("memory");
    return row;
  }

  defaultSpaceId(userId: number): number | null {
    return this.spaces.byName(userId, "default")?.id ?? null;
  }

  private resolveSpace(userId: number, spaceId: number | null | undefined): number | null {
    if (spaceId == null) return this.defaultSpaceId(userId);
    const own = this.spaces.own(userId, spaceId);
    if (!own) throw invalid("space_id", "no such space");
    return own.id;
  }

  private findNearDuplicate(userId: number, spaceId: number | null, content: string, hash: string) {
    // Text with no token of three or more characters has an empty fingerprint: only an exact copy is a duplicate.
    if (!hasSimhashTokens(content)) {
      const exact = this.rows.exactCopy(userId, spaceId, content);
      return exact !== undefined ? { id: exact, distance: 0 } : undefined;
    }
    const near = this.rows
      .recentFingerprints(userId, spaceId, DEDUP_WINDOW)
      .map((r) => ({ id: r.id, distance: hammingDistance(hash, r.simhash) }))
      .filter((r) => r.distance <= DEDUP_MAX_DISTANCE)
      .sort((a, b) => a.distance - b.distance);
    if (near.length === 0) return undefined;
    // SimHash skips words under three characters and weighs a changed number like any word:
    // "backup runs at 01:30" and "… at 02:45" fingerprint alike, but they are two facts, and a
    // store of the second must not be swallowed as a repeat of the first.
    const mine = textSignature(content);
    return near.find((r) => {
      const other = this.rows.find(userId, r.id);
      return other !== undefined && !differInSpecifics(mine, textSignature(other.content));
    });
  }

  /**
   * The id of the user's memory that `content` would be a near-duplicate of under the store
   * path's SimHash rule, without raising its source_count (imports without sync ids skip by it).
   */
  nearDuplicateOf(userId: number, spaceId: number | null, content: string): number | undefined {
    return this.findNearDuplicate(userId, spaceId, content, simhash(content))?.id;
  }

  /**
   * Stores the memory and, when given, its vector of the active model in one transaction.
   * `placement` is for derived memories: a pending one waits in the review inbox (and gets no
   * post-store job until approved); `episodeId` makes it a member of that (already checked) episode;
   * `occurredAt` dates what it tells (its versions keep it).
   */
  store(userId: number, input: StoreInput, vector: Float32Array | null = null, placement: StorePlacement = {}): StoreResult {
    const sqlite = this.ctx.db.sqlite;
    const result = sqlite.transaction((): StoreResult => {
      const spaceId = this.resolveSpace(userId, input.space_id);
      const forgetAfter = this.expiry(input);
      const hash = simhash(input.content);
      const dup = this.findNearDuplicate(userId, spaceId, input.content, hash);
      const now = isoNow(this.ctx);
      if (dup) {
        this.rows.bumpSourceCount(dup.id, now);
        return { kind: "duplicate", existingId: dup.id, distance: dup.distance };
      }
      let rootId: number | null = null;
      if (input.parent_memory_id != null) {
        const parent = this.find(userId, input.parent_memory_id);
        if (!parent) throw invalid("parent_memory_id", "no such memory");
        rootId = parent.rootMemoryId ?? parent.id;
      }
      const row = this.rows.insert({
        userId,
        spaceId,
        content: input.content,
        category: input.category,
        source: input.source,
        importance: input.importance,
        tags: normalizeTags(input.tags),
        sessionId: input.session_id ?? null,
        forgetAfter,
        isStatic: input.is_static,
        version: 1,
        isLatest: true,
        parentMemoryId: input.parent_memory_id ?? null,
        rootMemoryId: rootId,
        sourceCount: 1,
        simhash: hash,
        status: "active",
        isForgotten: false,
        isArchived: false,
        // Pending when the request asks for it (review_status, or its alias status) or the caller places it there.
        reviewStatus: input.review_status === "pending" || input.status === "pending" || placement.reviewStatus === "pending" ? "pending" : "approved",
        accessCount: 0,
        // Storing is the memory's first FSRS review (graded Good), in the row's own transaction.
        ...initialColumns(new Date(now)),
        createdAt: now,
        updatedAt: now,
        episodeId: placement.episodeId ?? null,
        model: input.model ?? null,
        occurredAt: placement.occurredAt ?? null,
      });
      if (vector) this.vectors.writeRow(userId, row.id, vector);
      this.enqueueFollowUps(userId, row);
      return { kind: "stored", memory: row };
    })();
    if (result.kind === "stored") {
      this.events.emitChanged({ userId, changes: [{ kind: "written", memoryId: result.memory.id, vector }] });
    }
    return result;
  }

  /** When the TTL sweep should forget the memory: `forget_after` (a future instant) or now + `ttl_secs`. */
  private expiry(input: Pick<StoreInput, "forget_after" | "ttl_secs">): string | null {
    if (input.forget_after != null && input.ttl_secs != null) throw invalid("forget_after", "give forget_after or ttl_secs, not both");
    const now = this.ctx.clock.now().getTime();
    if (input.ttl_secs != null) return new Date(now + input.ttl_secs * 1000).toISOString();
    if (input.forget_after == null) return null;
    const at = Date.parse(input.forget_after);
    if (!(at > now)) throw invalid("forget_after", "must be in the future");
    // Normalised to UTC ISO so the sweep can compare it as text.
    return new Date(at).toISOString();
  }

  /** Vectors computed after the fact (backfill); memories deleted meanwhile are skipped. */
  storeVectors(rows: readonly { id: number; userId: number; vector: Float32Array }[]): void {
    const stored = this.ctx.db.sqlite.transaction(() =>
      rows.filter((r) => {
        if (!this.find(r.userId, r.id)) return false;
        this.vectors.writeRow(r.userId, r.id, r.vector);
        return true;
      }),
    )();
    for (const userId of new Set(stored.map((r) => r.userId))) {
      const changes = stored.filter((r) => r.userId === userId).map((r) => ({ kind: "written" as const, memoryId: r.id, vector: r.vector }));
      this.events.emitChanged({ userId, changes });
    }
  }

  list(userId: number, f: ListFilters): MemoryRow[] {
    return this.rows.list(userId, f);
  }

  /**
   * Writes a new version: a new row (version + 1, parent = old, root = old root or old),
   * the old row stops being latest, and an `updates` link joins them; one transaction.
   */
  update(userId: number, id: number, patch: UpdateInput, vector: Float32Array | null = null): MemoryRow {
    const sqlite = this.ctx.db.sqlite;
    const row = sqlite.transaction(() => {
      const old = this.get(userId, id);
      if (!old.isLatest) throw conflict(`memory ${id} is not the latest version; update the latest one`);
      const now = isoNow(this.ctx);
      const content = patch.content ?? old.content;
      const status = patch.status ?? old.status;
      this.rows.supersede(old.id, now);
      // A version is a record of its own in exports: it gets its own sync id (migration 23's trigger).
      const { id: _oldId, syncId: _oldSyncId, ...carried } = old;
      const row = this.rows.insert({
        ...carried,
        content,
        simhash: content === old.content ? old.simhash : simhash(content),
        category: patch.category ?? old.category,
        importance: patch.importance ?? old.importance,
        tags: patch.tags ? normalizeTags(patch.tags) : old.tags,
        isStatic: patch.is_static ?? old.isStatic,
        forgetAfter: patch.forget_after === undefined && patch.ttl_secs === undefined ? old.forgetAfter : this.expiry(patch),
        status,
        isForgotten: status === "forgotten",
        isArchived: status === "archived",
        version: old.version + 1,
        isLatest: true,
        parentMemoryId: old.id,
        rootMemoryId: old.rootMemoryId ?? old.id,
        createdAt: now,
        updatedAt: now,
      });
      this.linkStore.linkVersion(userId, row.id, old.id, now);
      if (vector) this.vectors.writeRow(userId, row.id, vector);
      this.enqueueFollowUps(userId, row);
      return row;
    })();
    // A version without a fresh vector (content unchanged, or no model) is left to the backfill.
    this.events.emitChanged({ userId, changes: [{ kind: "written", memoryId: row.id, vector }] });
    return row;
  }

  /** The whole chain of the version `id` belongs to, oldest first. */
  versions(userId: number, id: number): MemoryRow[] {
    const row = this.find(userId, id);
    if (!row) throw notFound("memory");
    const root = row.rootMemoryId ?? row.id;
    return this.rows.chain(userId, root);
  }

  /** One transaction (read, then write), which also carries the request's audit row. */
  setStatus(userId: number, id: number, status: MemoryStatus, reason?: string): MemoryRow {
    const updated = this.ctx.db.sqlite.transaction(() => {
      const row = this.find(userId, id);
      // Forgetting twice is harmless; anything else on a forgotten memory treats it as gone.
      if (!row || (row.isForgotten && status !== "forgotten")) throw notFound("memory");
      // Leaving for the archive or oblivion is a failed recall for FSRS: an Again review.
      const lapse = status !== "active" && status !== row.status ? reviewedColumns(row, GRADE_AGAIN, this.ctx.clock.now()) : {};
      if (status !== row.status) this.events.emitStatusChanging({ userId, memoryId: id, from: row.status, to: status });
      return this.rows.patch(id, {
        ...lapse,
        status,
        isForgotten: status === "forgotten",
        isArchived: status === "archived",
        forgetReason: status === "forgotten" ? (reason ?? null) : row.forgetReason,
        updatedAt: isoNow(this.ctx),
      });
    })();
    this.events.emitChanged({ userId, changes: [{ kind: "ranking" }] });
    return updated;
  }

  /**
   * Permanent: the row, its links and vector (cascade), its lexical index entry and what other
   * subsystems derived from it (delete hooks). Deleting the latest version makes its parent
   * the latest again, so the chain is never headless.
   */
  delete(userId: number, id: number): void {
    this.ctx.db.sqlite.transaction(() => {
      const row = this.find(userId, id);
      if (!row) throw notFound("memory");
      const restoredId = row.isLatest && row.parentMemoryId != null ? row.parentMemoryId : null;
      if (restoredId !== null) this.rows.restoreLatest(userId, restoredId, isoNow(this.ctx));
      this.events.emitDeleting({ userId, memoryId: id, restoredId });
      this.rows.remove(row);
    })();
    this.events.emitChanged({ userId, changes: [{ kind: "deleted", memoryId: id }] });
  }

  /**
   * Sets intelligence columns on the user's memory (404 when it is not theirs); search and
   * context follow, since the flags decide what is live and importance ranks.
   */
  annotate(userId: number, id: number, columns: DerivedColumns): MemoryRow {
    const updated = this.ctx.db.sqlite.transaction(() => {
      const row = this.find(userId, id);
      if (!row) throw notFound("memory");
      if (columns.isSuperseded && !row.isSuperseded) this.events.emitStatusChanging({ userId, memoryId: id, from: row.status, to: "superseded" });
      return this.rows.patch(id, { ...columns, updatedAt: isoNow(this.ctx) });
    })();
    this.events.emitChanged({ userId, changes: [{ kind: "ranking" }] });
    return updated;
  }

  /** One transaction, which also carries the request's audit row. */
  setTags(userId: number, id: number, tags: readonly string[]): MemoryRow {
    const updated = this.ctx.db.sqlite.transaction(() => {
      this.get(userId, id);
      return this.rows.patch(id, { tags: normalizeTags(tags), updatedAt: isoNow(this.ctx) });
    })();
    this.events.emitChanged({ userId, changes: [{ kind: "ranking" }] });
    return updated;
  }

  tagCounts(userId: number): { tag: string; count: number }[] {
    return this.rows.tagCounts(userId);
  }

  searchByTags(userId: number, tags: readonly string[], matchAll: boolean, limit: number): MemoryRow[] {
    const wanted = normalizeTags(tags);
    if (wanted.length === 0) return [];
    return this.byIds(userId, this.rows.idsByTags(userId, wanted, matchAll ? wanted.length : 1, limit));
  }

  /** Rows for ids, in the order given, silently skipping ids that are not this user's. */
  byIds(userId: number, ids: readonly number[]): MemoryRow[] {
    if (ids.length === 0) return [];
    const rows = this.rows.byIds(userId, ids);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((i) => byId.get(i) ?? []);
  }

  links(userId: number, id: number): LinkRow[] {
    if (!this.find(userId, id)) throw notFound("memory");
    return this.linkStore.of(userId, id);
  }

  /** Marks memories as accessed (recall). The FSRS review replaces this counter in its own module. */
  touch(userId: number, ids: readonly number[]): void {
    if (ids.length === 0) return;
    this.rows.touch(userId, ids, isoNow(this.ctx));
  }

  /**
   * Memories not yet forgotten whose `forget_after` has passed, soonest expired first: one
   * tenant's, or every tenant's when `userId` is null (the expiry sweep's batches).
   */
  expired(userId: number | null, limit: number): ExpiredMemory[] {
    return this.rows.expired(isoNow(this.ctx), userId, limit);
  }

  stats(userId: number): MemoryStats {
    return this.rows.stats(userId);
  }

  /** The user's memories waiting in the review inbox, newest first, and how many there are. */
  pending(userId: number, limit: number, offset: number): { rows: MemoryRow[]; total: number } {
    return this.rows.pending(userId, limit, offset);
  }

  /** The user's pending memory, or 404 (missing, another tenant's, forgotten) / 409 (not pending). */
  private pendingRow(userId: number, id: number): MemoryRow {
    const row = this.find(userId, id);
    if (!row || row.isForgotten) throw notFound("memory");
    if (row.reviewStatus !== "pending") throw conflict(`memory ${id} is not pending review (it is ${row.reviewStatus})`);
    return row;
  }

  /** Approves a pending memory: it becomes live, and the work deferred at store (links, post-store steps) is enqueued with it. */
  approve(userId: number, id: number): MemoryRow {
    const row = this.ctx.db.sqlite.transaction(() => {
      this.pendingRow(userId, id);
      const approved = this.rows.patch(id, { reviewStatus: "approved", updatedAt: isoNow(this.ctx) });
      this.enqueueFollowUps(userId, approved);
      return approved;
    })();
    this.events.emitChanged({ userId, changes: [{ kind: "ranking" }] });
    return row;
  }

  /** Rejects a pending memory: archived, with the reason kept as its forget_reason; never deleted. */
  reject(userId: number, id: number, reason: string | undefined): MemoryRow {
    const row = this.ctx.db.sqlite.transaction(() => {
      const pending = this.pendingRow(userId, id);
      this.events.emitStatusChanging({ userId, memoryId: id, from: pending.status, to: "rejected" });
      return this.rows.patch(id, {
        reviewStatus: "rejected",
        status: "archived",
        isArchived: true,
        forgetReason: reason ?? "rejected in review",
        updatedAt: isoNow(this.ctx),
      });
    })();
    this.events.emitChanged({ userId, changes: [{ kind: "ranking" }] });
    return row;
  }

  /**
   * Edits a pending memory in place (no new version) and approves it. A content change moves
   * its lexical index entry and fingerprint, and writes `vector` (the new content's) when given.
   */
  editPending(userId: number, id: number, patch: PendingEdit, vector: Float32Array | null): MemoryRow {
    const row = this.ctx.db.sqlite.transaction(() => {
      const old = this.pendingRow(userId, id);
      const content = patch.content ?? old.content;
      if (content !== old.content) this.rows.rewriteText(old, content);
      const edited = this.rows.patch(id, {
        simhash: content === old.content ? old.simhash : simhash(content),
        category: patch.category ?? old.category,
        importance: patch.importance ?? old.importance,
        tags: patch.tags ? normalizeTags(patch.tags) : old.tags,
        reviewStatus: "approved",
        updatedAt: isoNow(this.ctx),
      });
      if (vector && content !== old.content) this.vectors.writeRow(userId, id, vector);
      this.enqueueFollowUps(userId, edited);
      return edited;
    })();
    const changedVector = patch.content !== undefined && vector ? vector : null;
    this.events.emitChanged({ userId, changes: [changedVector ? { kind: "written", memoryId: id, vector: changedVector } : { kind: "ranking" }] });
    return row;
  }
}

/** What POST /inbox/{id}/edit may change. */
export interface PendingEdit {
  content?: string | undefined;
  category?: string | undefined;
  importance?: number | undefined;
  tags?: readonly string[] | undefined;
}
