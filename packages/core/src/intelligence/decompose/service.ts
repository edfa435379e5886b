import { z } from "zod";
import { isoNow, type CoreContext } from "../../context.js";
import { notFound } from "../../errors.js";
import type { JobQueue } from "../../jobs/index.js";
import type { MemoryService } from "../../memory/index.js";
import { storeDerived, type TextEmbedder } from "../derived/index.js";
import { decomposeByRules, type DecomposeTier } from "./rules.js";
import { DecomposeStore, MIN_DECOMPOSE_CHARS } from "./store.js";

export const DECOMPOSE_SWEEP_JOB = "decompose_sweep";
/** A sweep over more memories than this runs as a job (202); fewer answer at once. */
export const SWEEP_INLINE_MAX = 50;
/** Memories one sweep job splits before it hands the rest to the next job (its progress step). */
const SWEEP_BATCH = 50;

/**
 * The LLM's split of a text into atomic statements: [] when there is nothing to split, null on a
 * failure (the rules split then).
 */
export type Decomposer = (content: string, background: boolean) => Promise<{ facts: string[]; model: string } | null>;

export interface DecomposeResult {
  childIds: number[];
  tier: DecomposeTier | null;
  method: "rules" | "llm";
}

export interface SweepProgress {
  processed: number;
  childrenCreated: number;
  skipped: number;
}

const sweepPayload = z.object({ limit: z.number().int().positive(), processed: z.number().int().min(0), childrenCreated: z.number().int().min(0), skipped: z.number().int().min(0) });

/**
 * Atomic decomposition (contracts/intelligence.md §5.2): a memory's text split into self-contained
 * facts, each a memory stored through the store path (category `fact`, `is_fact = 1`) and joined
 * to its parent by a `has_fact` link; the parent keeps its text and gets `is_decomposed = 1`.
 */
export class DecomposeService {
  private readonly store: DecomposeStore;

  constructor(
    private readonly ctx: CoreContext,
    private readonly memories: MemoryService,
    private readonly embedder: TextEmbedder,
    private readonly jobs: JobQueue,
    private readonly llm: Decomposer | null = null,
  ) {
    this.store = new DecomposeStore(ctx.db);
    this.registerSweep();
  }

  /** Splits the memory once; a second call returns the children of the first. */
  async decompose(userId: number, memoryId: number, opts: { background?: boolean } = {}): Promise<DecomposeResult> {
    const parent = this.memories.find(userId, memoryId);
    if (!parent) throw notFound("memory");
    if (parent.isDecomposed) return { childIds: this.store.children(userId, memoryId), tier: null, method: "rules" };
    const splittable = parent.content.length >= MIN_DECOMPOSE_CHARS && !parent.isFact && parent.category !== "consolidation" && parent.source !== "consolidation";
    const fromLlm = splittable && this.llm ? await this.llm(parent.content, opts.background ?? false).catch(() => null) : null;
    let split: { facts: string[]; tier: DecomposeTier | null };
    if (!splittable) split = { facts: [], tier: null };
    else if (fromLlm) split = { facts: fromLlm.facts, tier: fromLlm.facts.length > 0 ? "llm" : null };
    else split = decomposeByRules(parent.content);
    // An LLM's split is its reading of the text: its children carry its model, at the parent's confidence.
    const llm = fromLlm ? { model: fromLlm.model, confidence: parent.confidence } : undefined;
    const stored = await storeDerived(
      { db: this.ctx.db, memories: this.memories, embedder: this.embedder },
      userId,
      split.facts.map((content) => ({ content, category: "fact", source: "decomposition", importance: parent.importance, tags: parent.tags, space_id: parent.spaceId, llm })),
    );
    const childIds = this.ctx.db.sqlite.transaction(() => {
      const now = isoNow(this.ctx);
      const ids: number[] = [];
      for (const r of stored) {
        // A fact that exists already is adopted when an earlier, interrupted run of this split made it.
        const id = r.kind === "stored" ? r.memory.id : r.existingId;
        if (r.kind === "duplicate" && this.memories.find(userId, id)?.source !== "decomposition") continue;
        this.store.adopt(userId, memoryId, id, parent.episodeId, now);
        ids.push(id);
      }
      this.store.decomposed(userId, memoryId);
      return ids;
    })();
    return { childIds, tier: split.tier, method: fromLlm ? "llm" : "rules" };
  }

  /** The post-store step of ENGRAM_AUTO_DECOMPOSE: new memories long enough, not facts themselves. */
  async auto(userId: number, memoryId: number): Promise<DecomposeResult | null> {
    const m = this.memories.find(userId, memoryId);
    if (!m || m.isDecomposed || m.isFact || !m.isLatest || m.isForgotten || m.reviewStatus !== "approved" || m.content.length < MIN_DECOMPOSE_CHARS) return null;
    return this.decompose(userId, memoryId, { background: true });
  }

  /**
   * POST /admin/decompose-sweep: splits up to `limit` of the user's memories not yet decomposed.
   * More than SWEEP_INLINE_MAX of them: a durable job (batches of SWEEP_BATCH, each its own job
   * whose result shows the progress so far) and the first job's id.
   */
  async sweep(userId: number, limit: number): Promise<({ kind: "done" } & SweepProgress) | { kind: "job"; jobId: number }> {
    if (this.store.countCandidates(userId, limit) > SWEEP_INLINE_MAX) {
      return { kind: "job", jobId: this.jobs.enqueue(DECOMPOSE_SWEEP_JOB, { limit, processed: 0, childrenCreated: 0, skipped: 0 }, { userId }) };
    }
    return { kind: "done", ...(await this.batch(userId, limit, { processed: 0, childrenCreated: 0, skipped: 0 }, false)) };
  }

  private async batch(userId: number, size: number, before: SweepProgress, background: boolean): Promise<SweepProgress> {
    const progress = { ...before };
    for (const id of this.store.sweepCandidates(userId, size)) {
      const r = await this.decompose(userId, id, { background });
      progress.processed += 1;
      progress.childrenCreated += r.childIds.length;
      if (r.childIds.length === 0) progress.skipped += 1;
    }
    return progress;
  }

  /**
   * The sweep job: one batch per run, then the next batch as a new job carrying the totals, so a
   * restart resumes where the last finished batch left off and /jobs shows how far it got.
   */
  private registerSweep(): void {
    const jobs = this.jobs;
    jobs.register(DECOMPOSE_SWEEP_JOB, async (job) => {
      if (job.userId == null) throw new Error(`${DECOMPOSE_SWEEP_JOB} needs the user whose memories it splits`);
      const p = sweepPayload.parse(job.payload);
      const progress = await this.batch(job.userId, Math.min(SWEEP_BATCH, p.limit - p.processed), p, true);
      const more = progress.processed < p.limit && this.store.countCandidates(job.userId, 1) > 0 && progress.processed > p.processed;
      const next = more ? jobs.enqueue(DECOMPOSE_SWEEP_JOB, { limit: p.limit, ...progress }, { userId: job.userId }) : null;
      return { processed: progress.processed, children_created: progress.childrenCreated, skipped: progress.skipped, limit: p.limit, done: next === null, next_job_id: next };
    });
  }
}
