/**
 * A key that is missing, malformed, refused or wrong, or a database that does not match the
 * configured mode: start-up stops with the message as one line and exit 3 (platform.md §2.2).
 * Messages name the variable, the file and the fix, never a key's value.
 */
export class EncryptionKeyError extends Error {
  override name = "EncryptionKeyError";
}

/** Another process holds the database (a running server, or a `db` command): exit 1. */
export class DatabaseBusyError extends Error {
  override name = "DatabaseBusyError";
}
