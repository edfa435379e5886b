import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.js";
import { clientAddress, clientKey } from "../client-address.js";
import { isProbePath } from "./auth.js";
import type { RateLimiter } from "./rate-limit.js";

/**
 * Limits failed authentications per client address, before any key is looked at: each 401
 * spends a token of the address's budget, and once it is spent the address is answered 429
 * with Retry-After without checking its key, good or bad. Each such refusal spends a token
 * too, so an address that keeps hammering stays refused until it pauses. Probes and docs stay
 * open. Behind a reverse proxy every client shares the proxy's address.
 */
export function failedAuthLimit(limiter: RateLimiter, perMinute: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const address = clientAddress(c);
    if (address === null || isProbePath(c.req.path)) return next();
    const client = clientKey(address);
    const budget = { id: `addr:${client}`, perMinute, label: client };
    if (limiter.wait(budget) > 0) {
      const wait = limiter.charge(budget);
      c.header("Retry-After", String(wait));
      return c.json({ error: `too many failed authentications from ${client} (${perMinute} a minute); retry in ${wait}s` }, 429);
    }
    await next();
    if (c.res.status === 401) limiter.charge(budget);
  };
}
