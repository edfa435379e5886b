import type { Statement } from "better-sqlite3";
import type { Db } from "../db/connection.js";

/** A memory row as an export writes it: wire names, SQLite's 0/1 and JSON text still raw. */
export interface ExportMemoryRow {
  id: number;
  sync_id: string | null;
  content: string;
  category: string;
  source: string;
  importance: number;
  tags: string;
  session_id: string | null;
  space: string | null;
  is_static: number;
  status: string;
  review_status: string;
  is_archived: number;
  is_forgotten: number;
  forget_reason: string | null;
  forget_after: string | null;
  version: number;
  is_latest: number;
  parent_memory_id: number | null;
  root_memory_id: number | null;
  source_count: number;
  decay_score: number;
  access_count: number;
  last_accessed_at: string | null;
  fsrs_stability: number | null;
  fsrs_difficulty: number | null;
  fsrs_storage_strength: number | null;
  fsrs_retrieval_strength: number | null;
  fsrs_learning_state: number | null;
  fsrs_reps: number;
  fsrs_lapses: number;
  fsrs_last_review_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ExportLinkRow {
  id: number;
  source_id: number;
  target_id: number;
  link_type: string;
  similarity: number;
  created_at: string;
}

export interface ExportEntityRow {
  id: number;
  name: string;
  entity_type: string;
  description: string | null;
  aliases: string;
  origin: string;
  occurrence_count: number;
  created_at: string;
  memory_ids: string;
}

export interface ExportSpaceRow {
  name: string;
  description: string | null;
  created_at: string;
}

export interface ExportCounts {
  memory: number;
  link: number;
  space: number;
  entity: number;
}

const MEMORY_COLUMNS = `m.id, m.sync_id, m.content, m.category, m.source, m.importance, m.tags, m.session_id,
  s.name AS space, m.is_static, m.status, m.review_status, m.is_archived, m.is_forgotten, m.forget_reason,
  m.forget_after, m.version, m.is_latest, m.parent_memory_id, m.root_memory_id, m.source_count, m.decay_score,
  m.access_count, m.last_accessed_at, m.fsrs_stability, m.fsrs_difficulty, m.fsrs_storage_strength,
  m.fsrs_retrieval_strength, m.fsrs_learning_state, m.fsrs_reps, m.fsrs_lapses, m.fsrs_last_review_at,
  m.created_at, m.updated_at`;

/**
 * The export's reads: one tenant's memories, links, spaces and entities, in id order and a page
 * at a time (keyset paging, so an export of any size never holds more than a page). They read
 * several subsystems' tables because an export is a copy of all of them, read-only; imports
 * write through each table's owning store instead. `include_forgotten=false` leaves out
 * forgotten rows and the links touching them.
 */
export class PortabilityStore {
  private readonly stmts: Record<"memories" | "links" | "entities" | "spaces" | "counts" | "syncIds", Statement>;

  constructor(db: Db) {
    const s = (text: string) => db.sqlite.prepare(text);
    const shown = (alias: string) => `(@forgotten = 1 OR ${alias}.is_forgotten = 0)`;
    const linkShown = `EXISTS (SELECT 1 FROM memories a WHERE a.id = l.source_id AND ${shown("a")})
      AND EXISTS (SELECT 1 FROM memories b WHERE b.id = l.target_id AND ${shown("b")})`;
    this.stmts = {
      memories: s(
        `SELECT ${MEMORY_COLUMNS} FROM memories m LEFT JOIN spaces s ON s.id = m.space_id
          WHERE m.user_id = @userId AND m.id > @after AND ${shown("m")} ORDER BY m.id LIMIT @limit`,
      ),
      links: s(
        `SELECT l.id, l.source_id, l.target_id, l.type AS link_type, l.similarity, l.created_at FROM memory_links l
          WHERE l.user_id = @userId AND l.id > @after AND ${linkShown} ORDER BY l.id LIMIT @limit`,
      ),
      entities: s(
        `SELECT e.id, e.name, e.entity_type, e.description, e.aliases, e.origin, e.occurrence_count, e.created_at,
                (SELECT json_group_array(me.memory_id) FROM memory_entities me WHERE me.entity_id = e.id) AS memory_ids
           FROM entities e WHERE e.user_id = @userId AND e.id > @after ORDER BY e.id LIMIT @limit`,
      ),
      spaces: s(`SELECT name, description, created_at FROM spaces WHERE user_id = @userId ORDER BY id`),
      counts: s(
        `SELECT (SELECT count(*) FROM memories m WHERE m.user_id = @userId AND ${shown("m")}) AS memory,
                (SELECT count(*) FROM memory_links l WHERE l.user_id = @userId AND ${linkShown}) AS link,
                (SELECT count(*) FROM spaces WHERE user_id = @userId) AS space,
                (SELECT count(*) FROM entities WHERE user_id = @userId) AS entity`,
      ),
      syncIds: s(`SELECT m.sync_id, m.id FROM memories m, json_each(@ids) j WHERE m.user_id = @userId AND m.sync_id = j.value`),
    };
  }

  counts(userId: number, forgotten: boolean): ExportCounts {
    return this.stmts.counts.get({ userId, forgotten: forgotten ? 1 : 0 }) as ExportCounts;
  }

  spaces(userId: number): ExportSpaceRow[] {
    return this.stmts.spaces.all({ userId }) as ExportSpaceRow[];
  }

  memoriesAfter(userId: number, after: number, limit: number, forgotten: boolean): ExportMemoryRow[] {
    return this.stmts.memories.all({ userId, after, limit, forgotten: forgotten ? 1 : 0 }) as ExportMemoryRow[];
  }

  linksAfter(userId: number, after: number, limit: number, forgotten: boolean): ExportLinkRow[] {
    return this.stmts.links.all({ userId, after, limit, forgotten: forgotten ? 1 : 0 }) as ExportLinkRow[];
  }

  entitiesAfter(userId: number, after: number, limit: number): ExportEntityRow[] {
    return this.stmts.entities.all({ userId, after, limit }) as ExportEntityRow[];
  }

  /** The tenant's memory ids of these sync ids (the ones it already holds). */
  idsBySyncId(userId: number, syncIds: readonly string[]): Map<string, number> {
    const rows = this.stmts.syncIds.all({ userId, ids: JSON.stringify(syncIds) }) as { sync_id: string; id: number }[];
    return new Map(rows.map((r) => [r.sync_id, r.id]));
  }
}
