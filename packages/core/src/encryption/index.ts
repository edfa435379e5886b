/** Encryption at rest (platform.md §2): the modes, the key sources, and the errors that stop start-up. */
export { ENCRYPTION_MODES, DB_KEY_BYTES, type EncryptionConfig, type EncryptionMode } from "./config.js";
export { resolveDbKey, keyFromFile, keyFromVariable } from "./key-source.js";
export { EncryptionKeyError, DatabaseBusyError } from "./errors.js";
// The pieces of mode yubikey built so far (platform.md §2.5); the mode itself is not wired yet.
export { softwareDevice, HMAC_SECRET_BYTES, type ChallengeResponseDevice } from "./yubikey/device.js";
export { hidChallengeResponse, commandFrame, padChallenge, crc16x25, HidTimeoutError, type HidTransport } from "./yubikey/hid-frames.js";
