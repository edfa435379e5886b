import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.js";

interface Bucket {
  tokens: number;
  updated: number;
}

/** A token bucket's name, its size (and refill per minute), and how a refusal names it. */
export interface Budget {
  id: string;
  perMinute: number;
  label: string;
}

/** A bucket refills completely within a minute, so one untouched that long is as good as absent. */
const IDLE_MS = 60_000;

/**
 * Token buckets: `perMinute` requests of burst, refilled continuously. Buckets are kept in
 * least-recently-used order, so idle ones are dropped from the front in O(1) per request and
 * a flood of distinct ids (client addresses) cannot grow the map past a minute's worth.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  constructor(private readonly now: () => number = Date.now) {}

  private refilled(b: Budget, t: number): Bucket {
    const old = this.buckets.get(b.id);
    const bucket = old
      ? { tokens: Math.min(b.perMinute, old.tokens + ((t - old.updated) * b.perMinute) / 60_000), updated: t }
      : { tokens: b.perMinute, updated: t };
    this.buckets.delete(b.id);
    this.buckets.set(b.id, bucket);
    return bucket;
  }

  private prune(t: number): void {
    for (const [id, bucket] of this.buckets) {
      if (t - bucket.updated < IDLE_MS) return;
      this.buckets.delete(id);
    }
  }

  private static secondsUntilToken(bucket: Bucket, perMinute: number): number {
    return Math.max(1, Math.ceil(((1 - bucket.tokens) * 60) / perMinute));
  }

  /**
   * Takes one token from every budget, or from none when one is spent: then `refusedBy` names
   * it and `retryAfter` says in how many seconds it has a token again.
   */
  take(budgets: readonly Budget[]): { refusedBy: Budget | null; retryAfter: number; remaining: number } {
    const t = this.now();
    this.prune(t);
    const buckets = budgets.map((b) => this.refilled(b, t));
    const spent = buckets.findIndex((bucket) => bucket.tokens < 1);
    if (spent >= 0) {
      const b = budgets[spent]!;
      return { refusedBy: b, retryAfter: RateLimiter.secondsUntilToken(buckets[spent]!, b.perMinute), remaining: 0 };
    }
    for (const bucket of buckets) bucket.tokens -= 1;
    return { refusedBy: null, retryAfter: 0, remaining: Math.min(...buckets.map((bucket) => Math.floor(bucket.tokens))) };
  }

  /** Seconds until this budget has a token; 0 when it has one now. Takes nothing. */
  wait(budget: Budget): number {
    const t = this.now();
    this.prune(t);
    const bucket = this.refilled(budget, t);
    return bucket.tokens >= 1 ? 0 : RateLimiter.secondsUntilToken(bucket, budget.perMinute);
  }

  /**
   * Takes a token whether or not one is there: the bucket may run into debt, down to a
   * minute's worth, so a client that keeps going while refused stays refused; it is whole
   * again at most two minutes after it stops. Returns the seconds until it has a token.
   */
  charge(budget: Budget): number {
    const t = this.now();
    this.prune(t);
    const bucket = this.refilled(budget, t);
    bucket.tokens = Math.max(-budget.perMinute, bucket.tokens - 1);
    return bucket.tokens >= 1 ? 0 : RateLimiter.secondsUntilToken(bucket, budget.perMinute);
  }
}

/**
 * Every authenticated request takes a token from its key's bucket (the key's own rate_limit,
 * or the default) and from its user's bucket, which all of the user's keys share: minting
 * more keys does not buy a user more requests. In open-access mode there is no key, only the user.
 */
export function rateLimit(limiter: RateLimiter, limits: { perMinute: number; perUserPerMinute: number }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const p = c.get("principal");
    if (!p) return next();
    const budgets: Budget[] = [];
    if (p.keyId !== null) budgets.push({ id: `key:${p.keyId}`, perMinute: p.rateLimit ?? limits.perMinute, label: "this key" });
    budgets.push({ id: `user:${p.user.id}`, perMinute: limits.perUserPerMinute, label: `user ${p.user.id}, all its keys together` });
    const { refusedBy, retryAfter, remaining } = limiter.take(budgets);
    c.header("X-RateLimit-Limit", String(budgets[0]!.perMinute));
    c.header("X-RateLimit-Remaining", String(remaining));
    if (refusedBy) {
      c.header("Retry-After", String(retryAfter));
      return c.json({ error: `rate limit of ${refusedBy.perMinute} requests per minute for ${refusedBy.label} exceeded; retry in ${retryAfter}s` }, 429);
    }
    return next();
  };
}
