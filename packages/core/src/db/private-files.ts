import fs from "node:fs";

/**
 * The data folder holds every tenant's memories, keys' hashes and vectors: no other local
 * user may read it, whatever umask the server starts under. Folders are 0700, files 0600;
 * what is created is created so, and what an earlier run (or an older version) left more
 * open is restricted at start.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** A path whose mode was narrowed: from and to as octal strings ("755" → "700"). */
export interface Restricted {
  path: string;
  from: string;
  to: string;
}

const octal = (mode: number) => (mode & 0o777).toString(8);

/** Narrows an existing path that others (group or world) may use; a missing path is left alone. */
function restrict(p: string, mode: number): Restricted | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(p);
  } catch {
    return undefined;
  }
  if ((stat.mode & 0o077) === 0) return undefined;
  fs.chmodSync(p, mode);
  return { path: p, from: octal(stat.mode), to: octal(mode) };
}

/** Creates a folder (and missing parents) as 0700. Existing folders keep their mode. */
export function makePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Creates the SQLite file as 0600 before SQLite opens it: SQLite gives the -wal and -shm
 * files the main file's mode, so all three are private. An existing file keeps its mode.
 */
export function makePrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, "a", PRIVATE_FILE_MODE));
}

/**
 * At start, before the database opens: creates the data folder 0700 and narrows what is
 * there and too open: the data folder, the LanceDB folder, the SQLite file and its -wal and
 * -shm. A database outside the data folder keeps its folder's mode (the user chose it).
 */
export function restrictDataPaths(p: { dataDir: string; dbPath: string; lanceDir: string }): Restricted[] {
  makePrivateDir(p.dataDir);
  const dirs = [p.dataDir, p.lanceDir].map((d) => restrict(d, PRIVATE_DIR_MODE));
  const files = [p.dbPath, `${p.dbPath}-wal`, `${p.dbPath}-shm`].map((f) => restrict(f, PRIVATE_FILE_MODE));
  return [...dirs, ...files].filter((r): r is Restricted => r !== undefined);
}
