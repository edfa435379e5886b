import { describe, expect, it } from "vitest";
import { mintedExpiry, mintedRateLimit, outlives, scopesBeyond, takeoverRefusal, type KeyGrant } from "./key-rules.js";

const HOUR = "2030-01-01T01:00:00.000Z";
const LATER = "2030-01-01T02:00:00.000Z";
const grant = (g: Partial<KeyGrant>): KeyGrant => ({ scopes: ["read", "write"], rateLimit: null, expiresAt: null, ...g });

describe("key delegation rules", () => {
  it("measure scopes with hasScope: admin covers all, write covers read", () => {
    expect(scopesBeyond(["read"], ["read", "write", "admin"])).toEqual(["write", "admin"]);
    expect(scopesBeyond(["write"], ["read", "write"])).toEqual([]);
    expect(scopesBeyond(["admin"], ["read", "write", "admin"])).toEqual([]);
  });

  it("treat a missing expiry as never", () => {
    expect(outlives(null, null)).toBe(false);
    expect(outlives(HOUR, null)).toBe(false);
    expect(outlives(null, HOUR)).toBe(true);
    expect(outlives(LATER, HOUR)).toBe(true);
    expect(outlives(HOUR, HOUR)).toBe(false);
  });

  it("bound a minted rate limit by the minter's effective one, defaulting to the minter's own", () => {
    expect(mintedRateLimit(grant({ rateLimit: 3 }), undefined, 600)).toBe(3);
    expect(mintedRateLimit(grant({ rateLimit: 3 }), 2, 600)).toBe(2);
    expect(() => mintedRateLimit(grant({ rateLimit: 3 }), 1_000_000, 600)).toThrow("rate_limit: must not exceed your key's limit of 3 requests per minute");
    // A key without its own limit has the server default, and passes on no more.
    expect(mintedRateLimit(grant({}), undefined, 600)).toBeNull();
    expect(mintedRateLimit(grant({}), 600, 600)).toBe(600);
    expect(() => mintedRateLimit(grant({}), 601, 600)).toThrow(/600 requests per minute/);
  });

  it("bound a minted expiry by the minter's, defaulting to the minter's own, naming the field", () => {
    expect(mintedExpiry(grant({ expiresAt: HOUR }), undefined, "expires_at")).toBe(HOUR);
    expect(mintedExpiry(grant({ expiresAt: LATER }), HOUR, "expires_at")).toBe(HOUR);
    expect(() => mintedExpiry(grant({ expiresAt: HOUR }), LATER, "ttl_secs")).toThrow(/^ttl_secs: must not be later than your key's expiry/);
    expect(mintedExpiry(grant({}), undefined, "expires_at")).toBeNull();
    expect(mintedExpiry(grant({}), LATER, "expires_at")).toBe(LATER);
  });

  it("let a key take over only keys within its scopes, rate limit and lifetime", () => {
    const me = grant({ rateLimit: 100, expiresAt: HOUR });
    expect(takeoverRefusal(me, { id: 7, ...grant({ rateLimit: 50, expiresAt: HOUR }) }, 600)).toBeNull();
    expect(takeoverRefusal(me, { id: 7, ...grant({ scopes: ["admin"], rateLimit: 50, expiresAt: HOUR }) }, 600)).toBe(
      "key 7 holds the admin scope, which your key lacks",
    );
    expect(takeoverRefusal(me, { id: 7, ...grant({ expiresAt: HOUR }) }, 600)).toBe("key 7 allows 600 requests per minute, more than your key's 100");
    expect(takeoverRefusal(me, { id: 7, ...grant({ rateLimit: 50 }) }, 600)).toMatch(/^key 7 lives longer \(never expires\)/);
  });
});
