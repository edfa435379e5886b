/** Encryption at rest (platform.md §2): which mode, and where its key comes from. */
export type EncryptionMode = "none" | "keyfile" | "env" | "yubikey";

export const ENCRYPTION_MODES = ["none", "keyfile", "env", "yubikey"] as const;

export type EncryptionConfig =
  | { mode: "none" }
  /** 32 raw bytes, or 64 hex characters plus an optional newline, in a file only its owner may read. */
  | { mode: "keyfile"; keyfile: string }
  /** The value of ENGRAM_DB_KEY as read (trimmed); checked when the key is resolved, so a bad one exits 3, not 2. */
  | { mode: "env"; key: string | undefined }
  | { mode: "yubikey" };

export const DB_KEY_BYTES = 32;
