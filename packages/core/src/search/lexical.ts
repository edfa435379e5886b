import type { CoreContext } from "../context.js";
import { buildFtsQuery } from "../text/fts-query.js";

export interface SearchFilters {
  category?: string | undefined;
  source?: string | undefined;
  tags?: string[] | undefined;
  spaceId?: number | undefined;
  includeForgotten?: boolean | undefined;
  latestOnly?: boolean | undefined;
}

export interface LexicalHit {
  id: number;
  /** bm25 relevance, higher is better (SQLite's bm25() negated). */
  bm25: number;
}

/**
 * FTS5 BM25 over the user's memories. The MATCH expression is built from words only
 * (see buildFtsQuery), and the join on memories scopes every hit to the tenant.
 */
export function lexicalSearch(
  ctx: CoreContext,
  userId: number,
  query: string,
  limit: number,
  f: SearchFilters = {},
): LexicalHit[] {
  const match = buildFtsQuery(query);
  if (!match) return [];
  const where = ["memories_fts MATCH ?", "m.user_id = ?"];
  const params: unknown[] = [match, userId];
  if (f.latestOnly !== false) where.push("m.is_latest = 1");
  if (!f.includeForgotten) where.push("m.is_forgotten = 0 AND m.is_archived = 0");
  if (f.category) (where.push("m.category = ?"), params.push(f.category));
  if (f.source) (where.push("m.source = ?"), params.push(f.source));
  if (f.spaceId != null) (where.push("m.space_id = ?"), params.push(f.spaceId));
  for (const tag of f.tags ?? []) {
    where.push("EXISTS (SELECT 1 FROM json_each(m.tags) t WHERE t.value = ?)");
    params.push(tag);
  }
  params.push(limit);
  const rows = ctx.db.sqlite
    .prepare(
      `SELECT m.id AS id, -bm25(memories_fts) AS bm25
       FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid
       WHERE ${where.join(" AND ")}
       ORDER BY bm25(memories_fts) LIMIT ?`,
    )
    .all(...params) as LexicalHit[];
  return rows;
}
