/** Encryption at rest (platform.md §2): the modes, the key sources, and the errors that stop start-up. */
export { ENCRYPTION_MODES, DB_KEY_BYTES, type EncryptionConfig, type EncryptionMode } from "./config.js";
export { resolveDbKey, keyFromFile, keyFromVariable } from "./key-source.js";
export { EncryptionKeyError, DatabaseBusyError } from "./errors.js";
