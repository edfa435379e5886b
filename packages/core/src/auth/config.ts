/** The limits key issuance works within (ENGRAM_RATE_LIMIT_PER_MINUTE, ENGRAM_MAX_KEYS_PER_USER). */
export interface AuthConfig {
  /** The budget of a key without its own rate_limit: the ceiling it can pass on to keys it mints. */
  defaultRateLimitPerMinute: number;
  /** Live keys one user may hold; creating one more is a conflict. */
  maxKeysPerUser: number;
}

/**
 * 600 a minute is ten requests a second per key, more than an agent's hooks, sidecar and MCP
 * server make together; 100 keys covers a key per machine and agent for any one person.
 */
export const DEFAULT_AUTH_CONFIG: AuthConfig = { defaultRateLimitPerMinute: 600, maxKeysPerUser: 100 };
