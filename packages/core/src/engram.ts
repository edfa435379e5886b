import type { Config } from "./config/index.js";
import { openDb, type Db } from "./db/connection.js";
import { AuditLog } from "./audit/audit-log.js";
import { AuthService } from "./auth/service.js";
import { MemoryService } from "./memory/memories.js";
import { SearchService } from "./search/service.js";
import { systemClock, type Clock } from "./util/clock.js";

/** The assembled domain: one database, one clock, the services over them. */
export interface Engram {
  db: Db;
  clock: Clock;
  auth: AuthService;
  memories: MemoryService;
  search: SearchService;
  audit: AuditLog;
  close(): void;
}

export function createEngram(
  config: Pick<Config, "dbPath" | "dbSynchronous" | "apiKeyPepper">,
  clock: Clock = systemClock,
): Engram {
  const db = openDb({ path: config.dbPath, synchronous: config.dbSynchronous });
  const ctx = { db, clock };
  const memories = new MemoryService(ctx);
  return {
    db,
    clock,
    auth: new AuthService(ctx, config.apiKeyPepper),
    memories,
    search: new SearchService(ctx, memories),
    audit: new AuditLog(ctx),
    close: () => db.close(),
  };
}
