import { describe, expect, it } from "vitest";
import { hammingDistance, simhash, simhashTokens } from "./simhash.js";

describe("simhash", () => {
  it("tokenises lowercase alphanumerics of three or more characters", () => {
    expect(simhashTokens("The DB is at 10.0.0.12, ok? Über-Straße x1 abc")).toEqual(["the", "über", "straße", "abc"]);
  });

  it("is a 64-bit fingerprint as 16 hex digits, stable across calls", () => {
    const h = simhash("deploy the payments service to the Frankfurt cluster");
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    expect(simhash("deploy the payments service to the Frankfurt cluster")).toBe(h);
  });

  it("ignores case, punctuation and short tokens", () => {
    expect(simhash("Deploy the PAYMENTS service!!! to a cluster")).toBe(simhash("deploy the payments service to cluster"));
  });

  it("puts near-duplicates within distance 3 and different texts far apart", () => {
    // Hamming <= 3 is strict: it catches re-stored text with small edits, not paraphrases.
    const base =
      "The nightly backup of the billing database runs at two in the morning on the replica host named db-replica-03. " +
      "It writes a compressed dump to the object store, keeps fourteen daily copies and four weekly copies, and pages " +
      "the on-call engineer when the dump is missing or smaller than the previous one by more than a third. Restores are " +
      "tested every first Monday of the month by the platform team, who record the duration in the runbook.";
    const near = base.replace("fourteen daily copies", "fourteen daily snapshots").toUpperCase();
    const other = "Alice prefers dark mode in every editor and dislikes notifications during focus hours";
    expect(hammingDistance(simhash(base), simhash(near))).toBeLessThanOrEqual(3);
    expect(hammingDistance(simhash(base), simhash(other))).toBeGreaterThan(10);
  });

  it("counts differing bits exactly", () => {
    expect(hammingDistance("0000000000000000", "0000000000000000")).toBe(0);
    expect(hammingDistance("0000000000000000", "ffffffffffffffff")).toBe(64);
    expect(hammingDistance("8000000000000001", "0000000000000000")).toBe(2);
    expect(hammingDistance("00000000f0000000", "0000000000000000")).toBe(4);
  });
});
