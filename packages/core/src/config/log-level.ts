import type { LogLevel } from "./index.js";

const LEVELS: Record<string, LogLevel> = {
  trace: "trace",
  debug: "debug",
  info: "info",
  warn: "warn",
  warning: "warn",
  error: "error",
  off: "silent",
  silent: "silent",
};

/**
 * Accepts RUST_LOG-style directives ("info", "engram=debug,hyper=warn") so settings carried
 * over from the Rust port keep working. A bare level sets the default; a directive whose
 * target starts with "engram" overrides it; other targets belong to libraries we don't have.
 */
export function parseLogLevel(spec: string): LogLevel {
  let level: LogLevel = "info";
  let engramLevel: LogLevel | undefined;
  for (const part of spec.split(",").map((p) => p.trim()).filter(Boolean)) {
    const [target, value] = part.includes("=") ? part.split("=", 2) : [undefined, part];
    const resolved = LEVELS[(value ?? "").toLowerCase()];
    if (!resolved) throw new Error(`unknown level "${value}" (use trace, debug, info, warn, error or off)`);
    if (target === undefined) level = resolved;
    else if (target.toLowerCase().startsWith("engram")) engramLevel = resolved;
  }
  return engramLevel ?? level;
}
