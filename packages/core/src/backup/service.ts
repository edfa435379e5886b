import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { CoreContext } from "../context.js";
import { appliedSchemaVersion, makePrivateDir, PRIVATE_FILE_MODE } from "../db/index.js";
import { invalid, notFound } from "../errors.js";
import { inspectOffThread, snapshotOffThread } from "./off-thread.js";
import type { DatabaseFileProblem, DatabaseFileReport } from "./store.js";

export interface BackupPaths {
  /** The live database file. */
  dbPath: string;
  /** The database key in hex under encryption at rest: snapshots are taken and checked with it, and stay encrypted. */
  keyHex?: string | undefined;
  /** Where snapshots and uploads are written while in use (`<data dir>/temp`). */
  tempDir: string;
  /** Where stored snapshots live (`<data dir>/backups`, and its `daily/`). */
  backupDir: string;
}

/** A snapshot written to a private temp file; `discard()` deletes it (call it whatever happens). */
export interface Snapshot {
  path: string;
  sizeBytes: number;
  schemaVersion: number | null;
  encrypted: boolean;
  takenAt: Date;
  discard(): void;
}

export type VerifyTarget = "upload" | "snapshot" | "live";
export type VerifyReport = (DatabaseFileReport & { target: VerifyTarget; encrypted: boolean }) | DatabaseFileProblem;

/**
 * Backups of the whole instance (contracts/platform.md §4.1, §4.2): consistent snapshots of the
 * live database taken beside the running server, one at a time, and checks of a backup file (an
 * upload, a stored snapshot, or the live database).
 */
export class BackupService {
  /** Snapshots run one at a time: a second request waits for the first's VACUUM INTO. */
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: CoreContext,
    private readonly paths: BackupPaths,
  ) {}

  /** Under encryption at rest a snapshot is encrypted with the database's own key (VACUUM INTO keeps it). */
  get encrypted(): boolean {
    return this.paths.keyHex !== undefined;
  }

  /** A new empty file of mode 0600 under the temp folder, with a unique name. */
  tempFile(prefix: string): string {
    makePrivateDir(this.paths.tempDir);
    const file = path.join(this.paths.tempDir, `${prefix}-${randomUUID()}.db`);
    fs.closeSync(fs.openSync(file, "wx", PRIVATE_FILE_MODE));
    return file;
  }

  /** A consistent copy of the live database in a temp file, taken while writes go on. */
  snapshot(): Promise<Snapshot> {
    const take = async (): Promise<Snapshot> => {
      const file = this.tempFile("snapshot");
      const discard = () => fs.rmSync(file, { force: true });
      try {
        const takenAt = this.ctx.clock.now();
        await snapshotOffThread(this.paths.dbPath, file, this.paths.keyHex);
        return { path: file, sizeBytes: fs.statSync(file).size, schemaVersion: appliedSchemaVersion(this.ctx.db), encrypted: this.encrypted, takenAt, discard };
      } catch (err) {
        discard();
        throw err;
      }
    };
    const next = this.running.then(take, take);
    this.running = next.catch(() => undefined);
    return next;
  }

  /** Checks a backup file: it opens, passes `PRAGMA integrity_check`, and holds Engram's tables. */
  async verifyFile(file: string, target: VerifyTarget): Promise<VerifyReport> {
    const report = await inspectOffThread(file, this.paths.keyHex);
    return report.ok ? { ...report, target, encrypted: this.encrypted } : report;
  }

  verifyLive(): Promise<VerifyReport> {
    return this.verifyFile(this.paths.dbPath, "live");
  }

  /** A stored snapshot by file name; a name that is a path is refused before any lookup. */
  verifySnapshot(name: string): Promise<VerifyReport> {
    if (name === "" || /[/\\]/.test(name) || name.includes("..")) throw invalid("snapshot", "must be a snapshot file name, without /, \\ or ..");
    const file = [path.join(this.paths.backupDir, name), path.join(this.paths.backupDir, "daily", name)].find((f) => fs.existsSync(f));
    if (!file) throw notFound("snapshot");
    return this.verifyFile(file, "snapshot");
  }
}
