import type { Db } from "../../db/connection.js";
import { latestMemorySql } from "./live.js";

export type StatusCounts = { active: number; archived: number; forgotten: number };

/** Latest memory versions by status over all tenants: one scan of the table per call. */
export function countLatestByStatus(db: Db): () => StatusCounts {
  const query = db.sqlite.prepare(
    `SELECT m.status, count(*) AS n FROM memories m WHERE ${latestMemorySql("m", { forgotten: true, archived: true })} GROUP BY m.status`,
  );
  return () => {
    const rows = query.all() as { status: string; n: number }[];
    const n = (status: string) => rows.find((r) => r.status === status)?.n ?? 0;
    return { active: n("active"), archived: n("archived"), forgotten: n("forgotten") };
  };
}
