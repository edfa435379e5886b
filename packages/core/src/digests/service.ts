import { isoNow, type CoreContext } from "../context.js";
import { DigestStore, type DigestRow } from "./store.js";

export const DIGEST_PERIODS = ["daily", "weekly", "monthly"] as const;
export type DigestPeriod = (typeof DIGEST_PERIODS)[number];

const PERIOD_DAYS: Readonly<Record<DigestPeriod, number>> = { daily: 1, weekly: 7, monthly: 30 };
/** Lines in one digest, and the characters of a memory each line shows (contracts/services.md §16). */
const MAX_LINES = 50;
const LINE_CHARS = 100;
const DAY_MS = 86_400_000;

export type Digest = DigestRow;

/** Summaries of what a tenant remembered over the last day, week or month. */
export class DigestService {
  private readonly store: DigestStore;

  constructor(private readonly ctx: CoreContext) {
    this.store = new DigestStore(ctx.db);
  }

  /** Summarises the window that ends now and stores the digest. */
  generate(userId: number, period: DigestPeriod): Digest {
    const endedAt = isoNow(this.ctx);
    const startedAt = new Date(Date.parse(endedAt) - PERIOD_DAYS[period] * DAY_MS).toISOString();
    return this.ctx.db.sqlite.transaction(() => {
      const count = this.store.countInWindow(userId, startedAt, endedAt);
      const content =
        count === 0
          ? `No activity during this ${period} period.`
          : [
              `${period} period summary (${count} memories):`,
              ...this.store
                .linesInWindow(userId, startedAt, endedAt, LINE_CHARS, MAX_LINES)
                .map((m) => `[${m.category}] (importance:${m.importance}) ${m.content}`),
            ].join("\n");
      return this.store.insert({ userId, period, content, memoryCount: count, startedAt, endedAt, createdAt: endedAt });
    })();
  }

  /** The tenant's digests, newest first. */
  list(userId: number, limit: number): Digest[] {
    return this.store.list(userId, limit);
  }
}
