import type { Db } from "./db/connection.js";
import type { Clock } from "./util/clock.js";

/** What every service needs: the database and the one clock. */
export interface CoreContext {
  db: Db;
  clock: Clock;
}

export const isoNow = (ctx: CoreContext) => ctx.clock.now().toISOString();
