/** The database's public face: opening it, its migrations, private files, and the row types of its tables. */
export { openDb, runMigrations, appliedSchemaVersion, type Db, type Drizzle, type OpenDbOptions } from "./connection.js";
export { restrictDataPaths, makePrivateDir, makePrivateFile, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, type Restricted } from "./private-files.js";
export { holdServerLock, takeExclusiveLock, type DbLock } from "./db-lock.js";
export { databaseStatus, encryptDatabase, decryptDatabase, rekeyDatabase, ConvertError, type DbStatus, type ConvertResult } from "./convert.js";
export { applyKey, looksEncrypted, type DbKey } from "./cipher.js";
export { MIGRATIONS, type Migration } from "./migrations.js";
export { lexicalTable, createLexicalTable, lexicalTableExists } from "./lexical-tables.js";
export type { MemoryRow, UserRow, ApiKeyRow, SpaceRow, LinkRow, AuditRow, JobRow, EntityRow, CommunityRow, FactRow, GateRequestRow, ApprovalRow, ReflectionRow, ConsolidationRow } from "./schema.js";
