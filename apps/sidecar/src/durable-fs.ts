import { constants } from "node:fs";
import fs, { type FileHandle } from "node:fs/promises";
import path from "node:path";

/**
 * The sidecar acknowledges a write only once it is on disk, so every state file goes through
 * these two helpers: appends are fsync'ed before they return, replacements are atomic
 * (temp file, fsync, rename, fsync of the directory) so a crash leaves the old or the new
 * content, never half of one.
 *
 * State files hold unsent memories and the sidecar's token, so they are the owner's alone:
 * created 0600 and chmod'ed to it, because the mode given to open() is cut down by the umask
 * (and the chmod also makes a umask like 0277, which would leave 0400, irrelevant).
 */

/** Owner read/write only: for every file in the state dir. */
export const PRIVATE_FILE_MODE = 0o600;
/** Owner only: for the state dir and the folders above it that the sidecar owns. */
export const PRIVATE_DIR_MODE = 0o700;

/**
 * The calls that put bytes on the disk. A killed process leaves its writes in the OS cache, so
 * no crash test can tell a missing sync: a test replaces these to count that every write syncs.
 */
export const diskSync = {
  /** A file's data (appends: the size change is metadata the log does not need). */
  data: (fh: FileHandle): Promise<void> => fh.datasync(),
  /** A file's data and metadata, or a directory's entries. */
  full: (fh: FileHandle): Promise<void> => fh.sync(),
};

export async function appendDurable(file: string, data: string): Promise<void> {
  const created = !(await exists(file));
  const fh = await fs.open(file, "a", PRIVATE_FILE_MODE);
  try {
    if (created) await fh.chmod(PRIVATE_FILE_MODE);
    await fh.writeFile(data, "utf8");
    await diskSync.data(fh);
  } finally {
    await fh.close();
  }
  // A new file's directory entry is only durable once the directory itself is synced.
  if (created) await syncDir(path.dirname(file));
}

export async function replaceAtomic(file: string, data: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  const fh = await fs.open(tmp, "w", PRIVATE_FILE_MODE);
  try {
    // Before any data: a temp file left by a crash may carry an older, wider mode.
    await fh.chmod(PRIVATE_FILE_MODE);
    await fh.writeFile(data, "utf8");
    await diskSync.full(fh);
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, file);
  await syncDir(path.dirname(file));
}

/** The file's text, or undefined when it does not exist. */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, "r");
  try {
    await diskSync.full(fh);
  } finally {
    await fh.close();
  }
}
