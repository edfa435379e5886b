import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/index.js";

export interface ToolQuality {
  tool_key: string;
  backend: string;
  server: string;
  tool_name: string;
  total_calls: number;
  total_successes: number;
  total_failures: number;
  avg_execution_ms: number;
  quality_score: number;
  last_execution_at: string | null;
}

/** Below this share of successful calls a tool counts as degraded (GET /grounding/quality?degraded=true). */
export const DEGRADED_BELOW = 0.8;

/** tool_quality_records (migration 18): one row per tenant and tool, counters added per call. */
export class ToolQualityStore {
  private readonly upsert: Statement;
  private readonly listAll: Statement;
  private readonly listDegraded: Statement;

  constructor(db: Db) {
    const sqlite = db.sqlite;
    this.upsert = sqlite.prepare(
      `INSERT INTO tool_quality_records (user_id, tool_key, backend, server, tool_name, total_calls, total_successes, total_failures, total_execution_ms, last_execution_at, created_at)
       VALUES (@userId, @toolKey, @backend, @server, @toolName, 1, @ok, 1 - @ok, @ms, @now, @now)
       ON CONFLICT (user_id, tool_key) DO UPDATE SET
         total_calls = total_calls + 1, total_successes = total_successes + @ok, total_failures = total_failures + 1 - @ok,
         total_execution_ms = total_execution_ms + @ms, last_execution_at = @now`,
    );
    const select = `SELECT tool_key, backend, server, tool_name, total_calls, total_successes, total_failures,
        round(total_execution_ms / total_calls, 1) AS avg_execution_ms,
        round(CAST(total_successes AS REAL) / total_calls, 2) AS quality_score, last_execution_at
      FROM tool_quality_records WHERE user_id = ?`;
    this.listAll = sqlite.prepare(`${select} ORDER BY last_execution_at DESC, tool_key LIMIT ?`);
    this.listDegraded = sqlite.prepare(`${select} AND CAST(total_successes AS REAL) / total_calls < ${DEGRADED_BELOW} ORDER BY last_execution_at DESC, tool_key LIMIT ?`);
  }

  record(userId: number, r: { toolKey: string; backend: string; server: string; toolName: string; ok: boolean; ms: number }, now: string): void {
    this.upsert.run({ userId, toolKey: r.toolKey, backend: r.backend, server: r.server, toolName: r.toolName, ok: r.ok ? 1 : 0, ms: r.ms, now });
  }

  list(userId: number, limit: number, degradedOnly: boolean): ToolQuality[] {
    return (degradedOnly ? this.listDegraded : this.listAll).all(userId, limit) as ToolQuality[];
  }
}
