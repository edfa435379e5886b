/** @engram/core: one line per subsystem; each folder's index.ts is its public face. */
export * from "./config/index.js";
export * from "./db/index.js";
export { EngramError, type ErrorKind } from "./errors.js";
export * from "./util/index.js";
export { buildFtsQuery, queryTerms } from "./text/index.js";
export * from "./events/index.js";
export * from "./jobs/index.js";
export * from "./embed/index.js";
export * from "./models/index.js";
export * from "./audit/index.js";
export * from "./auth/index.js";
export * from "./fsrs/index.js";
export * from "./memory/index.js";
export * from "./vector/index.js";
export * from "./graph/index.js";
export * from "./search/index.js";
export * from "./intelligence/index.js";
export { createEngram, type Engram } from "./engram.js";
