import type { Db } from "./db/index.js";
import type { Clock } from "./util/index.js";

/** What every service needs: the database and the one clock. */
export interface CoreContext {
  db: Db;
  clock: Clock;
}

export const isoNow = (ctx: CoreContext) => ctx.clock.now().toISOString();
