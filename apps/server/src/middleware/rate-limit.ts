import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.js";

interface Bucket {
  tokens: number;
  updated: number;
}

/**
 * Token bucket per API key (per user in open-access mode): `perMinute` requests of burst,
 * refilled continuously. Runs after authentication so the key's own limit applies.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one token; returns 0 when allowed, else the seconds until one is free. */
  take(id: string, perMinute: number): { retryAfter: number; remaining: number } {
    const t = this.now();
    const perMs = perMinute / 60_000;
    const b = this.buckets.get(id) ?? { tokens: perMinute, updated: t };
    b.tokens = Math.min(perMinute, b.tokens + (t - b.updated) * perMs);
    b.updated = t;
    this.buckets.set(id, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { retryAfter: 0, remaining: Math.floor(b.tokens) };
    }
    return { retryAfter: Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)), remaining: 0 };
  }
}

export function rateLimit(limiter: RateLimiter, defaultPerMinute: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const p = c.get("principal");
    if (!p) return next();
    const limit = p.rateLimit ?? defaultPerMinute;
    const { retryAfter, remaining } = limiter.take(p.keyId !== null ? `key:${p.keyId}` : `user:${p.user.id}`, limit);
    c.header("X-RateLimit-Limit", String(limit));
    c.header("X-RateLimit-Remaining", String(remaining));
    if (retryAfter > 0) {
      c.header("Retry-After", String(retryAfter));
      return c.json({ error: `rate limit of ${limit} requests per minute exceeded; retry in ${retryAfter}s` }, 429);
    }
    return next();
  };
}
