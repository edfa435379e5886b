import fs from "node:fs/promises";
import path from "node:path";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "./durable-fs.js";

/**
 * Makes the state dir the owner's alone before anything is written to it: the dirs are
 * created 0700 (and chmod'ed, since mkdir's mode is cut down by the umask), and a dir or file
 * an older sidecar left readable by others (0755 / 0644 under umask 022) is narrowed to
 * 0700 / 0600. `dirs` lists the state dir and the folders above it that the sidecar owns
 * (`~/.engram/sidecar` in the default layout; never the parent of a dir given with --state-dir).
 */
export async function prepareStateDir(stateDir: string, dirs: readonly string[]): Promise<void> {
  await fs.mkdir(stateDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  for (const dir of dirs) await fs.chmod(dir, PRIVATE_DIR_MODE);
  for (const entry of await fs.readdir(stateDir, { withFileTypes: true })) {
    // Regular files only: chmod follows symlinks, and the sidecar writes none.
    if (entry.isFile()) await fs.chmod(path.join(stateDir, entry.name), PRIVATE_FILE_MODE);
  }
}
