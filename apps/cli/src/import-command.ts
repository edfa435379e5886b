import type { Command } from "commander";
import { EngramApiError, type EngramClient } from "@engram/client";
import { IMPORT_SOURCE, readImportEntries, type ImportEntry } from "./import-sources.js";
import * as parse from "./options.js";
import { progressFor, type Progress } from "./progress.js";
import { emit, sessionOf } from "./session.js";

interface ImportOptions {
  category?: string;
  source?: string;
  tags?: string[];
  space?: number;
}

export interface ImportReport {
  path: string;
  total: number;
  stored: number;
  duplicates: number;
  /** Acknowledged by a sidecar whose server is unreachable: stored once the server is back. */
  buffered: number;
  /** Ids of the memories this import created, in entry order. */
  ids: number[];
  failed: { where: string; error: string }[];
}

/**
 * A rejected entry (not JSON, or a 400/413 from the server: bad field, too large) is reported
 * with its line or file and the import goes on; the command then exits 1 so scripts notice.
 * Anything else (server unreachable, key refused, rate limit, server error) would fail every
 * following entry the same way, so the import stops there and says how far it got.
 */
export async function runImport(client: EngramClient, target: string, entries: ImportEntry[], progress: Progress): Promise<ImportReport> {
  const report: ImportReport = { path: target, total: entries.length, stored: 0, duplicates: 0, buffered: 0, ids: [], failed: [] };
  const fail = (where: string, error: string) => {
    report.failed.push({ where, error });
    progress.problem(`${where}: ${error}`);
  };
  progress.start(entries.length);
  try {
    for (const [i, entry] of entries.entries()) {
      if ("error" in entry) fail(entry.where, entry.error);
      else {
        try {
          const r = await client.store(entry.request);
          if ("buffered" in r) report.buffered++;
          else if (r.stored) {
            report.stored++;
            report.ids.push(r.id);
          } else report.duplicates++;
        } catch (err) {
          if (!(err instanceof EngramApiError && (err.status === 400 || err.status === 413))) {
            const message = err instanceof Error ? err.message : String(err);
            throw new Error(`${entry.where}: ${message}; import stopped after ${i} of ${entries.length} entries (${report.stored} stored)`);
          }
          fail(entry.where, err.message);
        }
      }
      progress.advance({ stored: report.stored, duplicates: report.duplicates, failed: report.failed.length });
    }
  } finally {
    progress.stop();
  }
  return report;
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function summary(r: ImportReport): string {
  if (r.total === 0) return `nothing to import from ${r.path}: no entries found`;
  const buffered = r.buffered > 0 ? `, ${r.buffered} buffered by the sidecar` : "";
  return `imported ${r.path}: ${r.stored} stored, ${count(r.duplicates, "duplicate", "duplicates")}${buffered}, ${r.failed.length} failed (${count(r.total, "entry", "entries")})`;
}

export function registerImportCommand(program: Command): void {
  program
    .command("import")
    .description("store many memories: a .jsonl file (one per line) or a folder of Markdown files (one per top-level section)")
    .argument("<path>", "a .jsonl file or a folder of .md files")
    .option("--category <name>", "category for entries that name none (server default: general)")
    .option("--source <name>", `source for entries that name none (default: ${IMPORT_SOURCE})`)
    .option("--tags <list>", "comma-separated tags added to every entry", parse.tagList)
    .option("--space <id>", "space for entries that name none", parse.id)
    .action(async (target: string, o: ImportOptions, cmd: Command) => {
      const s = sessionOf(cmd);
      const entries = await readImportEntries(target, { category: o.category, source: o.source, tags: o.tags, space: o.space });
      const report = await runImport(s.client, target, entries, progressFor());
      emit(s, report, summary);
      if (report.failed.length > 0) process.exitCode = 1;
    });
}
