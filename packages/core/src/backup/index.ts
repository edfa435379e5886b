/** Backups (contracts/platform.md §4): consistent snapshots of the live database, and checks of backup files. */
import type { CoreContext } from "../context.js";
import { BackupService, type BackupPaths } from "./service.js";

export { BackupService, type BackupPaths, type Snapshot, type VerifyReport, type VerifyTarget } from "./service.js";
export { vacuumInto, inspectDatabaseFile, type DatabaseFileReport, type DatabaseFileProblem } from "./store.js";

export function createBackups(ctx: CoreContext, paths: BackupPaths): BackupService {
  return new BackupService(ctx, paths);
}
