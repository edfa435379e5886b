/**
 * Secret shapes an LLM may echo back from the context it was given: API keys of the common
 * providers and Engram's own, private key blocks, JWTs and bearer tokens. Each match becomes `[REDACTED]`;
 * a `password=`-style assignment keeps its name and loses its value.
 */
const SECRET_PATTERNS: readonly RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /\b(?:sk|pk|rk)-(?:[A-Za-z0-9]{2,}-)?[A-Za-z0-9_-]{16,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bAIza[0-9A-Za-z_-]{35}/g,
  /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g,
  /\b[Bb]earer\s+[A-Za-z0-9._~+/-]{16,}=*/g,
  // Engram's own API keys (engram_ or its alias prefix eg_, then 32 hex digits).
  /\b(?:engram|eg)_[0-9a-f]{32}\b/g,
];
const ASSIGNMENT = /\b(password|passwd|pwd|secret|token|api[_-]?key)(\s*[:=]\s*)("[^"]*"|'[^']*'|\S+)/gi;

export function scrubSecrets(text: string): string {
  let out = text;
  for (const p of SECRET_PATTERNS) out = out.replace(p, "[REDACTED]");
  return out.replace(ASSIGNMENT, (_m, name: string, sep: string) => `${name}${sep}[REDACTED]`);
}
