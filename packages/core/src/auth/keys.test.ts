import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalKey, generateApiKey, hashApiKey, hasScope, parseScopes } from "./keys.js";

describe("API keys", () => {
  it("look like engram_<32 hex>", () => {
    const k = generateApiKey();
    expect(k).toMatch(/^engram_[0-9a-f]{32}$/);
    expect(generateApiKey()).not.toBe(k);
  });

  it("hash with SHA-256 over pepper + key, never the key itself", () => {
    const k = "engram_00112233445566778899aabbccddeeff";
    expect(hashApiKey(k)).toBe(createHash("sha256").update(k).digest("hex"));
    expect(hashApiKey(k, "pepper")).toBe(createHash("sha256").update("pepper" + k).digest("hex"));
    expect(hashApiKey(k)).not.toContain("00112233");
  });

  it("accept eg_ as an alias prefix", () => {
    expect(canonicalKey("eg_abc")).toBe("engram_abc");
    expect(hashApiKey("eg_00112233445566778899aabbccddeeff")).toBe(hashApiKey("engram_00112233445566778899aabbccddeeff"));
  });

  it("parse scope lists and reject unknown scopes", () => {
    expect(parseScopes("read, WRITE,read")).toEqual(["read", "write"]);
    expect(parseScopes("read,superuser")).toBeNull();
    expect(parseScopes(" , ")).toBeNull();
  });

  it("let admin imply write and read, and write imply read", () => {
    expect(hasScope(["admin"], "write")).toBe(true);
    expect(hasScope(["write"], "read")).toBe(true);
    expect(hasScope(["read"], "write")).toBe(false);
    expect(hasScope(["write"], "admin")).toBe(false);
  });
});
