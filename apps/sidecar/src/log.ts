export type Level = "info" | "warn" | "error";
export type Log = (level: Level, msg: string, fields?: Record<string, unknown>) => void;

/** One JSON object per line on stdout, like engram-server's logs, so the same tools read both. */
export const log: Log = (level, msg, fields = {}) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, service: "engram-sidecar", msg, ...fields })}\n`);
};
