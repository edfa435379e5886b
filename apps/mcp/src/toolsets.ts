/**
 * Toolsets: the namespaces ENGRAM_MCP_TOOLSETS chooses from (contracts/mcp.md §1.3). Only the
 * tools of enabled toolsets are listed, so an agent's context is not spent on tools it rarely
 * needs. Names with no tool in this server yet are accepted, so a client configuration written
 * for the whole contract starts as it is.
 */
export const TOOLSETS = ["memory", "context", "graph", "intelligence", "services", "admin", "structural", "skill"] as const;
export type Toolset = (typeof TOOLSETS)[number];

export const TOOLSETS_ENV = "ENGRAM_MCP_TOOLSETS";
export const DEFAULT_TOOLSETS: readonly Toolset[] = ["memory", "context"];

/** "memory, graph" → {memory, graph}; "all" → every toolset; unset or blank → the default. Throws on an unknown name. */
export function parseToolsets(raw: string | undefined): ReadonlySet<Toolset> {
  if (raw === undefined || raw.trim() === "") return new Set(DEFAULT_TOOLSETS);
  const names = raw
    .split(",")
    .map((n) => n.trim().toLowerCase())
    .filter(Boolean);
  const unknown = names.filter((n) => n !== "all" && !(TOOLSETS as readonly string[]).includes(n));
  if (unknown.length) {
    throw new Error(`${TOOLSETS_ENV}: unknown toolset ${unknown.map((n) => `"${n}"`).join(", ")}; choose from ${TOOLSETS.join(", ")}, or all`);
  }
  return new Set(names.includes("all") ? TOOLSETS : (names as Toolset[]));
}
