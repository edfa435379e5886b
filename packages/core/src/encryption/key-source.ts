import fs from "node:fs";
import { DB_KEY_BYTES, type EncryptionConfig } from "./config.js";
import { EncryptionKeyError } from "./errors.js";

const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/**
 * The database key of the configured mode, or null in mode `none`. Every problem with the key
 * source is an EncryptionKeyError whose message names the variable or file and the fix, never
 * the key.
 */
export function resolveDbKey(cfg: EncryptionConfig): Buffer | null {
  switch (cfg.mode) {
    case "none":
      return null;
    case "env":
      return keyFromVariable("ENGRAM_DB_KEY", cfg.key);
    case "keyfile":
      return keyFromFile(cfg.keyfile);
    case "yubikey":
      throw new EncryptionKeyError(
        "ENGRAM_ENCRYPTION_MODE=yubikey is not available in this build (no YubiKey support yet); use keyfile or env",
      );
  }
}

/** A key given as 64 hex characters in the variable `name` (surrounding whitespace trimmed). */
export function keyFromVariable(name: string, raw: string | undefined): Buffer {
  const value = raw?.trim();
  const expected = `${name} must be ${DB_KEY_BYTES * 2} hex characters (${DB_KEY_BYTES} bytes)`;
  if (value === undefined || value === "") throw new EncryptionKeyError(`${expected}, but it is not set`);
  if (value.length !== DB_KEY_BYTES * 2) throw new EncryptionKeyError(`${expected}, got ${value.length} characters`);
  if (!HEX_KEY.test(value)) throw new EncryptionKeyError(`${expected}, got characters that are not hex`);
  return Buffer.from(value, "hex");
}

/**
 * Reads the key file through one descriptor, so the checks and the read see the same file
 * (O_NONBLOCK: a FIFO in its place is refused, not waited on).
 * The server never changes the file's mode: a file others may read is refused with the fix.
 */
export function keyFromFile(file: string): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new EncryptionKeyError(`key file ${file} does not exist (ENGRAM_KEYFILE); create it with 32 random bytes and chmod 600 ${file}`);
    throw new EncryptionKeyError(`cannot read key file ${file}: ${code ?? (err as Error).message}`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new EncryptionKeyError(`key file ${file} is not a regular file`);
    if (process.getuid && st.uid !== process.getuid()) {
      throw new EncryptionKeyError(`key file ${file} is owned by another user (uid ${st.uid}); it must belong to the user running engram-server`);
    }
    if ((st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8);
      throw new EncryptionKeyError(`key file ${file} has mode ${mode}: group or others may read it; run chmod 600 ${file}`);
    }
    // One byte more than the largest valid file, so a longer one is told apart without reading it all.
    const buf = Buffer.alloc(DB_KEY_BYTES * 2 + 2);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const content = buf.subarray(0, n);
    try {
      if (n === DB_KEY_BYTES) return Buffer.from(content);
      const text = content.toString("latin1").replace(/\r?\n$/, "");
      if (HEX_KEY.test(text)) return Buffer.from(text, "hex");
    } finally {
      buf.fill(0);
    }
    throw new EncryptionKeyError(
      `key file ${file} has ${st.size} bytes; it must hold exactly ${DB_KEY_BYTES} raw bytes, or ${DB_KEY_BYTES * 2} hex characters and an optional newline`,
    );
  } finally {
    fs.closeSync(fd);
  }
}
