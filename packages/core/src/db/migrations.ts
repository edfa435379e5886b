/**
 * Forward-only, versioned migrations. Each runs in its own transaction and is recorded in
 * schema_migrations; a failure rolls that migration back and stops start-up.
 * Hand-written SQL because FTS5 tables and triggers are outside drizzle-kit's vocabulary;
 * test/schema.test.ts checks that the drizzle schema and these tables agree.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT NOT NULL UNIQUE,
  email TEXT,
  role TEXT NOT NULL DEFAULT 'writer' CHECK (role IN ('admin','writer','reader')),
  created_at TEXT NOT NULL
);

CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL DEFAULT 'default',
  key_hash TEXT NOT NULL UNIQUE,
  key_prefix TEXT NOT NULL,
  scopes TEXT NOT NULL,
  rate_limit INTEGER,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  last_used_at TEXT,
  revoked_at TEXT,
  rotated_from_id INTEGER REFERENCES api_keys(id) ON DELETE SET NULL
);
CREATE INDEX api_keys_user ON api_keys(user_id);

CREATE TABLE spaces (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (user_id, name)
);

CREATE TABLE memories (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  space_id INTEGER REFERENCES spaces(id) ON DELETE SET NULL,
  content TEXT NOT NULL,
  category TEXT NOT NULL DEFAULT 'general',
  source TEXT NOT NULL DEFAULT 'unknown',
  importance INTEGER NOT NULL DEFAULT 5,
  tags TEXT NOT NULL DEFAULT '[]',
  session_id TEXT,
  is_static INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  is_latest INTEGER NOT NULL DEFAULT 1,
  parent_memory_id INTEGER REFERENCES memories(id) ON DELETE SET NULL,
  root_memory_id INTEGER REFERENCES memories(id) ON DELETE SET NULL,
  source_count INTEGER NOT NULL DEFAULT 1,
  simhash TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','archived','forgotten')),
  is_forgotten INTEGER NOT NULL DEFAULT 0,
  is_archived INTEGER NOT NULL DEFAULT 0,
  forget_reason TEXT,
  decay_score REAL NOT NULL DEFAULT 1.0,
  access_count INTEGER NOT NULL DEFAULT 0,
  last_accessed_at TEXT,
  fsrs_stability REAL,
  fsrs_difficulty REAL,
  fsrs_retrieval_strength REAL,
  fsrs_storage_strength REAL,
  fsrs_learning_state INTEGER,
  fsrs_reps INTEGER NOT NULL DEFAULT 0,
  fsrs_lapses INTEGER NOT NULL DEFAULT 0,
  fsrs_last_review_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX memories_user_latest ON memories(user_id, is_latest, id);
CREATE INDEX memories_root ON memories(root_memory_id);
CREATE INDEX memories_user_space ON memories(user_id, space_id);

CREATE VIRTUAL TABLE memories_fts USING fts5(
  content,
  content='memories',
  content_rowid='id',
  tokenize='porter unicode61'
);
-- Triggers keep the index in the same transaction as the row it mirrors.
CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
  INSERT INTO memories_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
  INSERT INTO memories_fts(memories_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER memories_fts_update AFTER UPDATE OF content ON memories BEGIN
  INSERT INTO memories_fts(memories_fts, rowid, content) VALUES ('delete', old.id, old.content);
  INSERT INTO memories_fts(rowid, content) VALUES (new.id, new.content);
END;

CREATE TABLE memory_links (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  source_id INTEGER NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
  target_id INTEGER NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  similarity REAL NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  UNIQUE (source_id, target_id, type)
);
CREATE INDEX memory_links_target ON memory_links(target_id);
CREATE INDEX memory_links_user ON memory_links(user_id);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER,
  key_id INTEGER,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  target_ids TEXT NOT NULL DEFAULT '[]',
  status INTEGER NOT NULL,
  remote_addr TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX audit_log_user ON audit_log(user_id, id);
`,
  },
  {
    version: 2,
    name: "memory vectors",
    sql: `
-- One vector per memory, tagged with the model that made it: vectors of different models
-- are never compared, and a model change re-embeds instead of mixing.
CREATE TABLE memory_vectors (
  memory_id INTEGER PRIMARY KEY REFERENCES memories(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  model TEXT NOT NULL,
  dimension INTEGER NOT NULL,
  vector BLOB NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX memory_vectors_user_model ON memory_vectors(user_id, model);
`,
  },
];
