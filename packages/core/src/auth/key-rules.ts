import { forbidden } from "../errors.js";
import { hasScope, type Scope } from "./keys.js";

/**
 * Pure rules of delegation: a key never hands out, or takes over, more than it holds.
 * "More" is measured three ways: scopes, rate limit and lifetime.
 */

/** What a key holds: its scopes, its own rate limit (null: the server default) and its expiry (null: never). */
export interface KeyGrant {
  scopes: readonly Scope[];
  rateLimit: number | null;
  expiresAt: string | null;
}

export const effectiveRateLimit = (grant: Pick<KeyGrant, "rateLimit">, defaultPerMinute: number): number =>
  grant.rateLimit ?? defaultPerMinute;

/** The scopes of `target` that `holder` lacks (admin covers every scope, write covers read). */
export function scopesBeyond(holder: readonly Scope[], target: readonly Scope[]): Scope[] {
  return target.filter((s) => !hasScope(holder, s));
}

/** Whether an expiry `target` ends after `holder` (null is never). */
export function outlives(target: string | null, holder: string | null): boolean {
  if (holder === null) return false;
  if (target === null) return true;
  return Date.parse(target) > Date.parse(holder);
}

/**
 * A minted key's rate limit: the one asked for, never above the minter's effective limit
 * (a minter with a limit cannot mint an unlimited key); unasked, the minter's own.
 */
export function mintedRateLimit(minter: KeyGrant, requested: number | undefined, defaultPerMinute: number): number | null {
  if (requested === undefined) return minter.rateLimit;
  const ceiling = effectiveRateLimit(minter, defaultPerMinute);
  if (requested > ceiling) throw forbidden(`must not exceed your key's limit of ${ceiling} requests per minute`, "rate_limit");
  return requested;
}

/**
 * A minted key's expiry: the one asked for, never after the minter's (a minter that expires
 * cannot mint a key that does not); unasked, the minter's own. Refused rather than clamped,
 * so nobody receives a key that silently dies sooner than they asked.
 */
export function mintedExpiry(minter: KeyGrant, requested: string | undefined, field: string): string | null {
  if (requested === undefined) return minter.expiresAt;
  if (outlives(requested, minter.expiresAt)) throw forbidden(`must not be later than your key's expiry, ${minter.expiresAt}`, field);
  return requested;
}

/**
 * Why `holder` may not take over `target` (receive a successor with its grants), or null
 * when it may: the target's scopes, rate limit and lifetime must all be within the holder's.
 */
export function takeoverRefusal(holder: KeyGrant, target: KeyGrant & { id: number }, defaultPerMinute: number): string | null {
  const lacking = scopesBeyond(holder.scopes, target.scopes);
  if (lacking.length) return `key ${target.id} holds the ${lacking.join(", ")} scope, which your key lacks`;
  const mine = effectiveRateLimit(holder, defaultPerMinute);
  const theirs = effectiveRateLimit(target, defaultPerMinute);
  if (theirs > mine) return `key ${target.id} allows ${theirs} requests per minute, more than your key's ${mine}`;
  if (outlives(target.expiresAt, holder.expiresAt)) {
    return `key ${target.id} lives longer (${target.expiresAt ?? "never expires"}) than your key (${holder.expiresAt})`;
  }
  return null;
}
