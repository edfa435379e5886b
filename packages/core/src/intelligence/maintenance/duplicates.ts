import { isoNow, type CoreContext } from "../../context.js";
import { linkStore, type MemoryService } from "../../memory/index.js";
import { connectedGroups } from "./consolidation-text.js";
import type { MaintenanceStore, SimilarPair } from "./store.js";

/** How many similarity links a deduplication or a candidate search weighs at most: bounds the request. */
export const MAX_PAIRS = 200;

export interface DeduplicateResult {
  pairs_found: number;
  /** Memories superseded by this call (0 on a dry run). */
  merged: number;
  dry_run: boolean;
  /** The memories superseded, or on a dry run the ones that would be. */
  superseded_ids: number[];
}

/** Which of a pair stays: the higher importance; on a tie the older (then the lower id). */
export function keeperOf(p: SimilarPair): { keep: number; drop: number } {
  const aFirst = p.importanceA !== p.importanceB ? p.importanceA > p.importanceB : p.createdA !== p.createdB ? p.createdA < p.createdB : p.idA < p.idB;
  return aFirst ? { keep: p.idA, drop: p.idB } : { keep: p.idB, drop: p.idA };
}

/**
 * Near-duplicates by the graph's `similarity` links (cosine of the vectors, or word overlap
 * when a memory has none), wider than the store's SimHash check. Merging is only on request,
 * and supersedes rather than deletes.
 */
export class Duplicates {
  constructor(
    private readonly ctx: CoreContext,
    private readonly memories: MemoryService,
    private readonly store: MaintenanceStore,
  ) {}

  list(userId: number, threshold: number, limit: number): SimilarPair[] {
    return this.store.similarPairs(userId, threshold, limit, { skipMerged: false });
  }

  /**
   * Most similar pairs first; a memory superseded earlier in the same call is neither kept nor
   * dropped again, so a chain a≈b≈c leaves one keeper. Dry run (the default) changes nothing.
   */
  deduplicate(userId: number, threshold: number, dryRun: boolean): DeduplicateResult {
    return this.ctx.db.sqlite.transaction(() => {
      const pairs = this.store.similarPairs(userId, threshold, MAX_PAIRS, { skipMerged: false });
      const dropped = new Set<number>();
      const decisions: { keep: number; drop: number }[] = [];
      for (const p of pairs) {
        if (dropped.has(p.idA) || dropped.has(p.idB)) continue;
        const d = keeperOf(p);
        dropped.add(d.drop);
        decisions.push(d);
      }
      if (!dryRun) {
        const now = isoNow(this.ctx);
        const links = linkStore(this.ctx.db);
        for (const d of decisions) {
          this.memories.annotate(userId, d.drop, { isSuperseded: true });
          links.insert(userId, { sourceId: d.keep, targetId: d.drop, type: "supersedes", similarity: 1 }, now);
        }
      }
      return { pairs_found: pairs.length, merged: dryRun ? 0 : decisions.length, dry_run: dryRun, superseded_ids: decisions.map((d) => d.drop) };
    })();
  }

  /**
   * Connected groups of live memories joined by similarity links of at least `threshold`,
   * leaving out memories already consolidated (sources and results), so a sweep never merges
   * the same memories twice.
   */
  candidates(userId: number, threshold: number): { groups: number[][]; pairs: number } {
    const pairs = this.store.similarPairs(userId, threshold, MAX_PAIRS, { skipMerged: true });
    return { groups: connectedGroups(pairs.map((p) => [p.idA, p.idB] as const)), pairs: pairs.length };
  }
}
