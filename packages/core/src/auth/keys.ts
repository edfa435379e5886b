import { createHash, randomBytes } from "node:crypto";

export const KEY_PREFIX = "engram_";
const ALIAS_PREFIX = "eg_";

export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(16).toString("hex");
}

/** `eg_<hex>` is accepted as an alias of `engram_<hex>`, so both hash the same. */
export function canonicalKey(presented: string): string {
  return presented.startsWith(ALIAS_PREFIX) ? KEY_PREFIX + presented.slice(ALIAS_PREFIX.length) : presented;
}

export function hashApiKey(presented: string, pepper = ""): string {
  return createHash("sha256").update(pepper).update(canonicalKey(presented)).digest("hex");
}

/** What lists show instead of the key: enough to recognise it, not to use it. */
export function keyDisplayPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 6);
}

export const SCOPES = ["read", "write", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

export function parseScopes(text: string): Scope[] | null {
  const parts = [...new Set(text.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean))];
  if (parts.length === 0 || parts.some((p) => !(SCOPES as readonly string[]).includes(p))) return null;
  return parts as Scope[];
}

/** admin implies write and read; write implies read. */
export function hasScope(granted: readonly Scope[], needed: Scope): boolean {
  if (granted.includes("admin")) return true;
  if (needed === "read") return granted.includes("read") || granted.includes("write");
  return granted.includes(needed);
}
