import { createHash, randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { SERVER_BIN, tempDir } from "./server.js";

/** Every file under dir, recursively (the SQLite file, its -wal and -shm, the LanceDB folder...). */
export function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : e.isFile() ? [p] : [];
  });
}

/** The files under dir whose bytes contain `text` (UTF-8), read whole. */
export function filesContaining(dir: string, text: string): string[] {
  const needle = Buffer.from(text, "utf8");
  return filesUnder(dir).filter((f) => fs.readFileSync(f).includes(needle));
}

/** Each file's SHA-256 by relative path: equal maps mean nothing was created, removed or changed. */
export function hashTree(dir: string): Record<string, string> {
  return Object.fromEntries(
    filesUnder(dir)
      .sort()
      .map((f) => [path.relative(dir, f), createHash("sha256").update(fs.readFileSync(f)).digest("hex")]),
  );
}

/** A fresh 32-byte database key, as 64 hex characters. */
export const newDbKey = () => randomBytes(32).toString("hex");

/** A key file of mode 0600 holding the 32 raw bytes of `hexKey`. */
export function writeKeyFile(hexKey: string, mode = 0o600): string {
  const file = path.join(tempDir("engram-key-"), "dbkey");
  fs.writeFileSync(file, Buffer.from(hexKey, "hex"), { mode });
  fs.chmodSync(file, mode);
  return file;
}

/** Runs the built server to completion (it is expected to stop at start-up): exit status and stderr. */
export function runServerExpectingExit(dataDir: string, env: Record<string, string>, args: string[] = []) {
  const res = spawnSync(process.execPath, [SERVER_BIN, ...args], {
    env: { PATH: process.env.PATH, ENGRAM_HOST: "127.0.0.1", ENGRAM_PORT: "0", ENGRAM_DATA_DIR: dataDir, ENGRAM_EMBEDDING_PROVIDER: "none", ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}
