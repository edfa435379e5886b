import { constants } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";

/**
 * The sidecar acknowledges a write only once it is on disk, so every state file goes through
 * these two helpers: appends are fsync'ed before they return, replacements are atomic
 * (temp file, fsync, rename, fsync of the directory) so a crash leaves the old or the new
 * content, never half of one.
 */

export async function appendDurable(file: string, data: string): Promise<void> {
  const created = !(await exists(file));
  const fh = await fs.open(file, "a");
  try {
    await fh.writeFile(data, "utf8");
    await fh.datasync();
  } finally {
    await fh.close();
  }
  // A new file's directory entry is only durable once the directory itself is synced.
  if (created) await syncDir(path.dirname(file));
}

export async function replaceAtomic(file: string, data: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  const fh = await fs.open(tmp, "w");
  try {
    await fh.writeFile(data, "utf8");
    await fh.sync();
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
    await fh.sync();
  } finally {
    await fh.close();
  }
}
