import type { Statement } from "better-sqlite3";
import type { Db } from "../db/index.js";
import { latestMemorySql } from "../memory/index.js";

/** The instance-wide reads and the settings table behind the /admin routes. */
export class AdminStore {
  private readonly getSetting: Statement;
  private readonly allSettings: Statement;
  private readonly putSetting: Statement;
  private readonly tables: Statement;
  private readonly cold: Statement;

  constructor(private readonly db: Db) {
    const s = db.sqlite;
    this.getSetting = s.prepare("SELECT value FROM server_settings WHERE key = ?").pluck();
    this.allSettings = s.prepare("SELECT key, value FROM server_settings ORDER BY key");
    this.putSetting = s.prepare(
      "INSERT INTO server_settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    );
    // The tables a person thinks of as the data: not SQLite's own, and not the FTS5 shadow tables.
    this.tables = s.prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
          AND name NOT GLOB '*_data' AND name NOT GLOB '*_idx' AND name NOT GLOB '*_docsize' AND name NOT GLOB '*_config' AND name NOT GLOB '*_content'
        ORDER BY name`,
    ).pluck();
    this.cold = s.prepare(`SELECT count(*) FROM memories m WHERE ${latestMemorySql("m")} AND m.created_at < ?`).pluck();
  }

  setting(key: string): string | undefined {
    return this.getSetting.get(key) as string | undefined;
  }

  settings(): { key: string; value: string }[] {
    return this.allSettings.all() as { key: string; value: string }[];
  }

  /** Writes every pair in one transaction. */
  putSettings(pairs: readonly [string, string][], now: string): void {
    this.db.sqlite.transaction(() => {
      for (const [key, value] of pairs) this.putSetting.run(key, value, now);
    })();
  }

  /** Rows of every table, by name. */
  tableCounts(): Record<string, number> {
    const names = this.tables.all() as string[];
    // Names come from sqlite_master itself, quoted: no input reaches this statement.
    return Object.fromEntries(names.map((n) => [n, this.db.sqlite.prepare(`SELECT count(*) FROM "${n.replaceAll('"', '""')}"`).pluck().get() as number]));
  }

  databaseSizeBytes(): number {
    const pages = this.db.sqlite.pragma("page_count", { simple: true }) as number;
    const size = this.db.sqlite.pragma("page_size", { simple: true }) as number;
    return pages * size;
  }

  /** Latest memories of every tenant, neither forgotten nor archived, created before `before`. */
  coldCount(before: string): number {
    return this.cold.get(before) as number;
  }
}
