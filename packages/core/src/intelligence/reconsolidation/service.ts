import { isoNow, type CoreContext } from "../../context.js";
import { notFound } from "../../errors.js";
import type { MemoryEvents } from "../../events/index.js";
import { ReconsolidationStore, type ReconsolidationEvidence } from "./store.js";

export interface Reconsolidation {
  memory_id: number;
  action: "strengthened" | "weakened" | "corrected" | "unchanged";
  old_importance: number;
  new_importance: number;
  old_confidence: number;
  new_confidence: number;
  reason: string;
}

const DAY_MS = 24 * 3600 * 1000;
/** A memory stored this long ago and never recalled or accessed fades. */
const STALE_DAYS = 90;
/** The preview weighs at most this many memories with evidence, newest first. */
const CANDIDATE_SCAN = 500;
const round2 = (x: number) => Math.round(x * 100) / 100;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * What reconsolidating the memory would do, from its evidence: challenging links (corrects,
 * updates, contradicts) lower confidence by 0.2 each (at most three) and importance by 1;
 * otherwise ≥ 3 recall hits plus accesses with hits ≥ misses strengthen (+1 importance, +0.1
 * confidence), ≥ 3 misses outnumbering hits weaken (−1, −0.1), and a memory never recalled or
 * accessed 90 days after its store loses 1 importance. The reason starts with the evidence; the
 * same evidence is acted on once (`lastReason`), so repeating the call does not compound it.
 */
export function plan(m: ReconsolidationEvidence, now: Date, lastReason: string | undefined): Reconsolidation {
  const stale = m.recallHits === 0 && m.accessCount === 0 && now.getTime() - Date.parse(m.createdAt) >= STALE_DAYS * DAY_MS;
  const evidence =
    `${m.recallHits} recall hits, ${m.recallMisses} misses, ${m.accessCount} accesses, ${m.challenges} correcting or contradicting links` +
    (stale ? `, untouched for ${STALE_DAYS}+ days` : "");
  let action: Reconsolidation["action"] = "unchanged";
  let importance = m.importance;
  let confidence = m.confidence;
  if (m.challenges > 0) {
    action = "corrected";
    importance = clamp(m.importance - 1, 1, 10);
    confidence = clamp(round2(m.confidence - 0.2 * Math.min(m.challenges, 3)), 0.1, 1);
  } else if (m.recallHits + m.accessCount >= 3 && m.recallHits >= m.recallMisses) {
    action = "strengthened";
    importance = clamp(m.importance + 1, 1, 10);
    confidence = clamp(round2(m.confidence + 0.1), 0.1, 1);
  } else if (m.recallMisses >= 3 && m.recallMisses > m.recallHits) {
    action = "weakened";
    importance = clamp(m.importance - 1, 1, 10);
    confidence = clamp(round2(m.confidence - 0.1), 0.1, 1);
  } else if (stale) {
    action = "weakened";
    importance = clamp(m.importance - 1, 1, 10);
  }
  const base = { memory_id: m.id, old_importance: m.importance, old_confidence: m.confidence };
  const unchanged = (why: string): Reconsolidation => ({ ...base, action: "unchanged", new_importance: m.importance, new_confidence: m.confidence, reason: why });
  if (action === "unchanged") return unchanged(`${evidence}: nothing to adjust`);
  if (lastReason?.startsWith(`${evidence};`)) return unchanged(`${evidence}: already reconsolidated on this evidence`);
  if (importance === m.importance && confidence === m.confidence) return unchanged(`${evidence}: ${action} already at its limit`);
  return { ...base, action, new_importance: importance, new_confidence: confidence, reason: `${evidence}; importance ${m.importance}→${importance}, confidence ${m.confidence}→${confidence}` };
}

/** Adjusts importance and confidence from a memory's recall record and the links that challenge it. */
export class ReconsolidationService {
  private readonly store: ReconsolidationStore;

  constructor(
    private readonly ctx: CoreContext,
    private readonly events: MemoryEvents,
  ) {
    this.store = new ReconsolidationStore(ctx.db);
  }

  /** Reconsolidates the user's live memory; a change is applied and recorded. 404: not the user's live memory. */
  reconsolidate(userId: number, memoryId: number): Reconsolidation {
    const m = this.store.evidence(userId, memoryId);
    if (!m) throw notFound("memory");
    const result = plan(m, this.ctx.clock.now(), this.store.lastReason(userId, memoryId));
    if (result.action !== "unchanged") {
      this.store.apply(userId, m, result.new_importance, result.new_confidence, result.reason, isoNow(this.ctx));
      // Importance ranks search results: the cached ones are stale now.
      this.events.emitChanged({ userId, changes: [{ kind: "ranking" }] });
    }
    return result;
  }

  /** What reconsolidation would change, newest memories first; changes nothing. */
  candidates(userId: number, limit: number): Reconsolidation[] {
    const now = this.ctx.clock.now();
    const oldBefore = new Date(now.getTime() - STALE_DAYS * DAY_MS).toISOString();
    return this.store
      .candidates(userId, oldBefore, CANDIDATE_SCAN)
      .map((m) => plan(m, now, this.store.lastReason(userId, m.id)))
      .filter((r) => r.action !== "unchanged")
      .slice(0, limit);
  }

  /** The pipeline's task: reconsolidates every candidate the preview lists (at most 100); how many changed. */
  applyCandidates(userId: number): number {
    return this.candidates(userId, 100).filter((c) => this.reconsolidate(userId, c.memory_id).action !== "unchanged").length;
  }
}
