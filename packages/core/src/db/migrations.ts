import type Database from "better-sqlite3";
import { buildLexicalTable } from "./lexical-tables.js";

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
  /** Steps SQL alone cannot write (one table per tenant), run after `sql` in the same transaction. */
  run?: (sqlite: Database.Database) => void;
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
  {
    version: 3,
    name: "job queue and memory expiry",
    sql: `
-- The durable queue: a row per unit of background work. 'failed' is the dead-letter state
-- (attempts exhausted, last error kept); a 'running' row found at start-up was cut off by a crash.
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  payload TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','running','completed','failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL DEFAULT 3,
  run_at TEXT NOT NULL,
  dedupe_key TEXT,
  error TEXT,
  result TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  completed_at TEXT,
  updated_at TEXT NOT NULL
);
CREATE INDEX jobs_runnable ON jobs(status, run_at, id);
CREATE INDEX jobs_user_status ON jobs(user_id, status, id);
CREATE INDEX jobs_dedupe ON jobs(dedupe_key, status) WHERE dedupe_key IS NOT NULL;

-- When set, the TTL sweep forgets the memory once the clock passes it.
ALTER TABLE memories ADD COLUMN forget_after TEXT;
CREATE INDEX memories_forget_after ON memories(forget_after) WHERE forget_after IS NOT NULL AND is_forgotten = 0;
`,
  },
  {
    version: 5,
    name: "knowledge graph",
    sql: `
-- Results of the tenant's last graph refresh (graph/refresh.ts): the Louvain community a
-- memory belongs to (NULL when it is alone) and its PageRank, scaled so the tenant's top is 1.
ALTER TABLE memories ADD COLUMN community_id INTEGER;
ALTER TABLE memories ADD COLUMN pagerank_score REAL NOT NULL DEFAULT 0;
CREATE INDEX memories_user_community ON memories(user_id, community_id) WHERE community_id IS NOT NULL;

-- The communities of that refresh; a refresh replaces all of a tenant's rows.
CREATE TABLE graph_communities (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  label TEXT NOT NULL,
  size INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX graph_communities_user ON graph_communities(user_id);

-- People, servers, tools, projects... named in memories. One row per name (key = lower-cased
-- name) per tenant; 'manual' rows were created through the API and are matched by name and alias.
CREATE TABLE entities (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  space_id INTEGER REFERENCES spaces(id) ON DELETE SET NULL,
  name TEXT NOT NULL,
  key TEXT NOT NULL,
  entity_type TEXT NOT NULL,
  description TEXT,
  aliases TEXT NOT NULL DEFAULT '[]',
  origin TEXT NOT NULL DEFAULT 'extracted' CHECK (origin IN ('extracted','manual')),
  occurrence_count INTEGER NOT NULL DEFAULT 0,
  first_seen_at TEXT,
  last_seen_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (user_id, key)
);

CREATE TABLE memory_entities (
  memory_id INTEGER NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
  entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  salience REAL NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (memory_id, entity_id)
);
CREATE INDEX memory_entities_entity ON memory_entities(entity_id);
CREATE INDEX memory_entities_user ON memory_entities(user_id, memory_id);

-- Two entities named in the same latest memory; entity_a < entity_b so a pair has one row.
CREATE TABLE entity_cooccurrences (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  entity_a INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
  entity_b INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
  count INTEGER NOT NULL,
  weight REAL NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (entity_a, entity_b),
  CHECK (entity_a < entity_b)
);
CREATE INDEX entity_cooccurrences_b ON entity_cooccurrences(entity_b);
CREATE INDEX entity_cooccurrences_user ON entity_cooccurrences(user_id);

-- Per tenant: links added since the last refresh (the scheduler refreshes past a threshold)
-- and what the last refresh found.
CREATE TABLE graph_state (
  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  dirty_edges INTEGER NOT NULL DEFAULT 0,
  refreshed_at TEXT,
  node_count INTEGER NOT NULL DEFAULT 0,
  edge_count INTEGER NOT NULL DEFAULT 0,
  community_count INTEGER NOT NULL DEFAULT 0,
  modularity REAL,
  duration_ms REAL
);
`,
  },
  {
    version: 7,
    name: "session neighbours index",
    sql: `
-- Search's session channel looks up the memories stored just before and after a hit in the
-- same session; this index answers each lookup with one seek.
CREATE INDEX memories_user_session ON memories(user_id, session_id, id) WHERE session_id IS NOT NULL;
`,
  },
  {
    version: 8,
    name: "key lineage and aggregated refusals",
    sql: `
-- The key that minted this one (NULL: bootstrap, open access, or minted before version 8).
-- A minted key never holds more than its minter, and revoking a key revokes its descendants.
ALTER TABLE api_keys ADD COLUMN minted_by_id INTEGER REFERENCES api_keys(id) ON DELETE SET NULL;
CREATE INDEX api_keys_minted_by ON api_keys(minted_by_id) WHERE minted_by_id IS NOT NULL;
CREATE INDEX api_keys_rotated_from ON api_keys(rotated_from_id) WHERE rotated_from_id IS NOT NULL;

-- Refused requests (failed authentication, rate limits) are counted, one row per address,
-- minute, status and key (route '*'), instead of a row each; other rows keep count = 1.
ALTER TABLE audit_log ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
CREATE INDEX audit_log_refusals ON audit_log(remote_addr, created_at) WHERE route = '*';
`,
  },
  {
    version: 9,
    name: "fair job queue",
    sql: `
-- The job queue's fair share (jobs/store.ts, claim): one lane per tenant (its user id; 0 for
-- system jobs, whose user_id is NULL) with its count of pending jobs and the turn of its last
-- claim. A claim serves the lane with due work whose last turn is oldest, so 1,500 queued jobs
-- of one tenant no longer keep another tenant's next job waiting behind them.
CREATE TABLE job_lanes (
  lane INTEGER PRIMARY KEY,
  pending INTEGER NOT NULL DEFAULT 0,
  last_turn INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX job_lanes_waiting ON job_lanes(last_turn, lane) WHERE pending > 0;
CREATE INDEX job_lanes_turn ON job_lanes(last_turn);
INSERT INTO job_lanes (lane, pending)
  SELECT coalesce(user_id, 0), count(*) FILTER (WHERE status = 'pending') FROM jobs GROUP BY coalesce(user_id, 0);

-- Triggers keep the counts exact whichever statement moves a job: enqueue, claim, retry,
-- recovery, purge, or the cascade of a user's deletion.
CREATE TRIGGER jobs_lane_insert AFTER INSERT ON jobs BEGIN
  INSERT INTO job_lanes (lane, pending) VALUES (coalesce(new.user_id, 0), new.status = 'pending')
    ON CONFLICT (lane) DO UPDATE SET pending = pending + (new.status = 'pending');
END;
CREATE TRIGGER jobs_lane_status AFTER UPDATE OF status ON jobs WHEN (old.status = 'pending') != (new.status = 'pending') BEGIN
  UPDATE job_lanes SET pending = pending + CASE WHEN new.status = 'pending' THEN 1 ELSE -1 END WHERE lane = coalesce(new.user_id, 0);
END;
CREATE TRIGGER jobs_lane_delete AFTER DELETE ON jobs WHEN old.status = 'pending' BEGIN
  UPDATE job_lanes SET pending = pending - 1 WHERE lane = coalesce(old.user_id, 0);
END;

-- A lane's due jobs of one type, oldest first: a claim seeks once per lane and free type.
CREATE INDEX jobs_lane_due ON jobs(coalesce(user_id, 0), type, run_at, id) WHERE status = 'pending';
`,
  },
  {
    version: 10,
    name: "lexical index per tenant",
    sql: `
-- BM25's statistics were shared by every tenant through one FTS5 table: one tenant's memories
-- moved another's ranking and scores. Each tenant now has its own table (db/lexical-tables.ts),
-- kept in step by the memory store's write path instead of triggers (a trigger cannot choose
-- its table by the row's tenant).
DROP TRIGGER memories_fts_insert;
DROP TRIGGER memories_fts_delete;
DROP TRIGGER memories_fts_update;
DROP TABLE memories_fts;
`,
    run: (sqlite) => {
      const tenants = sqlite.prepare("SELECT DISTINCT user_id AS userId FROM memories ORDER BY user_id").all() as { userId: number }[];
      for (const { userId } of tenants) buildLexicalTable(sqlite, userId);
    },
  },
  {
    version: 11,
    name: "memory columns of the intelligence group",
    sql: `
-- Columns every part of the intelligence group reads or sets (contracts/intelligence.md §2),
-- added in one step so its parts share one shape. review_status is separate from status:
-- status stays the lifecycle (active, archived, forgotten), review_status is the inbox state.
ALTER TABLE memories ADD COLUMN review_status TEXT NOT NULL DEFAULT 'approved' CHECK (review_status IN ('approved','pending','rejected'));
ALTER TABLE memories ADD COLUMN is_fact INTEGER NOT NULL DEFAULT 0;
ALTER TABLE memories ADD COLUMN is_decomposed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE memories ADD COLUMN is_superseded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE memories ADD COLUMN is_consolidated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE memories ADD COLUMN episode_id INTEGER;
ALTER TABLE memories ADD COLUMN valence REAL;
ALTER TABLE memories ADD COLUMN arousal REAL;
ALTER TABLE memories ADD COLUMN dominant_emotion TEXT;
ALTER TABLE memories ADD COLUMN confidence REAL NOT NULL DEFAULT 1;
ALTER TABLE memories ADD COLUMN model TEXT;
ALTER TABLE memories ADD COLUMN recall_hits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE memories ADD COLUMN recall_misses INTEGER NOT NULL DEFAULT 0;
-- The inbox lists a tenant's pending memories newest first; an episode lists its members.
CREATE INDEX memories_review ON memories(user_id, review_status, created_at) WHERE review_status <> 'approved';
CREATE INDEX memories_episode ON memories(user_id, episode_id) WHERE episode_id IS NOT NULL;
`,
  },
  {
    version: 12,
    name: "structured facts",
    sql: `
-- Facts extracted from memories (contracts/intelligence.md §2, §4): one row per subject-predicate-
-- object statement with its validity window. object_norm is the object as contradictions compare
-- it (lower case, articles and trailing punctuation gone), so the pair scans are index lookups.
CREATE TABLE structured_facts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  memory_id INTEGER NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
  subject TEXT NOT NULL,
  predicate TEXT NOT NULL,
  object TEXT NOT NULL,
  object_norm TEXT NOT NULL,
  negated INTEGER NOT NULL DEFAULT 0,
  exclusive INTEGER NOT NULL DEFAULT 0,
  quantity REAL,
  unit TEXT,
  date_ref TEXT,
  valid_at TEXT NOT NULL,
  invalid_at TEXT,
  invalidated_by INTEGER REFERENCES structured_facts(id) ON DELETE SET NULL,
  confidence REAL NOT NULL DEFAULT 1,
  episode_id INTEGER,
  method TEXT NOT NULL DEFAULT 'rules' CHECK (method IN ('rules','llm')),
  created_at TEXT NOT NULL
);
CREATE INDEX structured_facts_memory ON structured_facts(memory_id);
CREATE INDEX structured_facts_slot ON structured_facts(user_id, subject, predicate, valid_at);
CREATE INDEX structured_facts_object ON structured_facts(user_id, subject, predicate, object_norm);
CREATE INDEX structured_facts_user_valid ON structured_facts(user_id, valid_at, id);

-- Memories the extractor already ran on, facts found or not: the post-store step and the
-- backfill skip them, so a retried job or a second backfill adds nothing.
CREATE TABLE fact_extractions (
  memory_id INTEGER PRIMARY KEY REFERENCES memories(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  method TEXT NOT NULL,
  fact_count INTEGER NOT NULL,
  extracted_at TEXT NOT NULL
);
CREATE INDEX fact_extractions_user ON fact_extractions(user_id);

-- /timetravel asks of each version whether its next version existed yet.
CREATE INDEX memories_parent ON memories(parent_memory_id) WHERE parent_memory_id IS NOT NULL;
`,
  },
  {
    version: 13,
    name: "guardrails: gate requests, approvals, review-required keys",
    sql: `
-- A key created with review_required writes its memories into the inbox (review_status pending).
ALTER TABLE api_keys ADD COLUMN review_required INTEGER NOT NULL DEFAULT 0;
-- Every POST /gate/check, with the step that decided it; output is stored scrubbed of secrets.
CREATE TABLE gate_requests (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL,
  agent TEXT NOT NULL,
  command TEXT NOT NULL,
  context TEXT,
  tool_name TEXT,
  status TEXT NOT NULL CHECK (status IN ('allowed','blocked','pending_secrets','pending_approval','approved','denied','completed')),
  reason TEXT,
  approval_id TEXT,
  output TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX gate_requests_user ON gate_requests(user_id, id);
-- Human approvals: UUID ids, a window after which a pending one is expired.
CREATE TABLE approvals (
  id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL,
  action TEXT NOT NULL,
  context TEXT,
  requester TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','approved','denied','expired')),
  decision_by TEXT,
  decision_reason TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  decided_at TEXT
);
CREATE INDEX approvals_pending ON approvals(user_id, status, expires_at);
`,
  },
  {
    version: 14,
    name: "ingestion: chunked uploads and ingested-input hashes",
    sql: `
-- Chunked uploads (contracts/intelligence.md §5.1). A session's chunks are kept until complete
-- assembles them into the session's own \`data\` (in the transaction that enqueues the
-- ingest_upload job), so the job reads one durable blob and a restart loses nothing.
-- \`progress\` is JSON {documents, chunks_done, chunks_total, memories_created, memory_ids}:
-- the job advances it in the transaction of each stored chunk, so a rerun resumes after it.
CREATE TABLE upload_sessions (
  upload_id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  filename TEXT,
  content_type TEXT,
  source TEXT NOT NULL,
  total_size INTEGER,
  total_chunks INTEGER,
  chunk_size INTEGER,
  status TEXT NOT NULL CHECK (status IN ('active','processing','completed','failed','aborted','expired')),
  expires_at TEXT NOT NULL,
  final_sha256 TEXT,
  job_id TEXT,
  options TEXT NOT NULL DEFAULT '{}',
  data BLOB,
  progress TEXT,
  errors TEXT NOT NULL DEFAULT '[]',
  ingested_memories INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX upload_sessions_user ON upload_sessions(user_id, created_at);
CREATE INDEX upload_sessions_expiry ON upload_sessions(expires_at) WHERE status = 'active';
CREATE TABLE upload_chunks (
  upload_id TEXT NOT NULL REFERENCES upload_sessions(upload_id) ON DELETE CASCADE,
  chunk_index INTEGER NOT NULL,
  chunk_hash TEXT NOT NULL,
  size INTEGER NOT NULL,
  data BLOB NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (upload_id, chunk_index)
);
-- A document this user already ingested (SHA-256 of the input bytes) is skipped.
CREATE TABLE ingestion_hashes (
  sha256 TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  job_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (sha256, user_id)
);
`,
  },
  {
    version: 15,
    name: "conversations, messages, episodes and personality",
    sql: `
-- Chat logs (contracts/intelligence.md §5.6). One conversation per (user, agent, session) when a
-- session is named, so /conversations/upsert and /add find the same log again.
CREATE TABLE conversations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  agent TEXT NOT NULL,
  session_id TEXT,
  title TEXT,
  metadata TEXT,
  started_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX conversations_session ON conversations(user_id, agent, session_id) WHERE session_id IS NOT NULL;
CREATE INDEX conversations_user_updated ON conversations(user_id, updated_at);

CREATE TABLE messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  content TEXT NOT NULL,
  metadata TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX messages_conversation ON messages(conversation_id, id);
CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='messages', content_rowid='id', tokenize='porter unicode61');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;

-- Episodes (§5.5); narrative_memory_id is the memory that carries the finalized narrative into
-- search and /context (stored through the store path, so it has a vector and an FTS row).
CREATE TABLE episodes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title TEXT,
  session_id TEXT,
  agent TEXT,
  summary TEXT,
  memory_count INTEGER NOT NULL DEFAULT 0,
  duration_seconds INTEGER,
  decay_score REAL NOT NULL DEFAULT 1,
  narrative_memory_id INTEGER REFERENCES memories(id) ON DELETE SET NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX episodes_user_started ON episodes(user_id, started_at);
CREATE VIRTUAL TABLE episodes_fts USING fts5(title, summary, content='episodes', content_rowid='id', tokenize='porter unicode61');
CREATE TRIGGER episodes_fts_insert AFTER INSERT ON episodes BEGIN
  INSERT INTO episodes_fts(rowid, title, summary) VALUES (new.id, coalesce(new.title, ''), coalesce(new.summary, ''));
END;
CREATE TRIGGER episodes_fts_delete AFTER DELETE ON episodes BEGIN
  INSERT INTO episodes_fts(episodes_fts, rowid, title, summary) VALUES ('delete', old.id, coalesce(old.title, ''), coalesce(old.summary, ''));
END;
CREATE TRIGGER episodes_fts_update AFTER UPDATE OF title, summary ON episodes BEGIN
  INSERT INTO episodes_fts(episodes_fts, rowid, title, summary) VALUES ('delete', old.id, coalesce(old.title, ''), coalesce(old.summary, ''));
  INSERT INTO episodes_fts(rowid, title, summary) VALUES (new.id, coalesce(new.title, ''), coalesce(new.summary, ''));
END;

-- Personality (§5.7). memory_id is null for signals posted by hand; derived ones go with their memory.
CREATE TABLE personality_signals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  memory_id INTEGER REFERENCES memories(id) ON DELETE CASCADE,
  signal_type TEXT NOT NULL CHECK (signal_type IN ('preference','value','motivation','decision','emotion','identity')),
  subject TEXT,
  valence TEXT NOT NULL DEFAULT 'neutral' CHECK (valence IN ('positive','negative','neutral','mixed')),
  value REAL NOT NULL,
  intensity REAL NOT NULL,
  reasoning TEXT,
  source_text TEXT,
  evidence TEXT,
  agent TEXT,
  method TEXT NOT NULL DEFAULT 'rules',
  created_at TEXT NOT NULL
);
CREATE INDEX personality_signals_user ON personality_signals(user_id, signal_type, id);
CREATE INDEX personality_signals_memory ON personality_signals(memory_id) WHERE memory_id IS NOT NULL;

CREATE TABLE personality_profiles (
  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  traits TEXT NOT NULL,
  profile TEXT,
  signal_count INTEGER NOT NULL DEFAULT 0,
  is_stale INTEGER NOT NULL DEFAULT 1,
  last_updated_at TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`,
  },
  {
    version: 16,
    name: "correction, consolidation, feedback and reflections",
    sql: `
-- Maintenance and reflection records of the intelligence group (contracts/intelligence.md §2,
-- §5.3, §5.4). None of these routes deletes a memory: these rows record what they did instead.
CREATE TABLE reconsolidations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  memory_id INTEGER NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
  new_memory_id INTEGER REFERENCES memories(id) ON DELETE SET NULL,
  old_content TEXT NOT NULL,
  new_content TEXT NOT NULL,
  reason TEXT NOT NULL,
  triggered_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX reconsolidations_memory ON reconsolidations(user_id, memory_id);

CREATE TABLE consolidations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  result_memory_id INTEGER NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
  source_ids TEXT NOT NULL,
  strategy TEXT NOT NULL DEFAULT 'merge',
  summary TEXT NOT NULL,
  method TEXT NOT NULL CHECK (method IN ('rules','llm')),
  confidence REAL NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX consolidations_user ON consolidations(user_id, id);

CREATE TABLE memory_feedback (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  memory_id INTEGER NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
  rating TEXT NOT NULL CHECK (rating IN ('helpful','irrelevant','off-topic','outdated')),
  context TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX memory_feedback_user ON memory_feedback(user_id, rating);

CREATE TABLE reflections (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  content TEXT NOT NULL,
  reflection_type TEXT NOT NULL,
  themes TEXT NOT NULL DEFAULT '[]',
  period_start TEXT,
  period_end TEXT,
  source_memory_ids TEXT NOT NULL DEFAULT '[]',
  confidence REAL NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX reflections_user ON reflections(user_id, reflection_type, id);
`,
  },
  {
    version: 18,
    name: "causal chains, temporal patterns, reconsolidations, tool quality",
    sql: `
-- Causal chains (contracts/intelligence.md §5.10): a chain groups cause → effect links between
-- one tenant's memories; each link is mirrored as a caused_by memory link (effect → cause).
CREATE TABLE causal_chains (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  root_memory_id INTEGER REFERENCES memories(id) ON DELETE SET NULL,
  description TEXT,
  confidence REAL NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
);
CREATE INDEX causal_chains_user ON causal_chains(user_id, id);
CREATE TABLE causal_links (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  chain_id INTEGER NOT NULL REFERENCES causal_chains(id) ON DELETE CASCADE,
  cause_memory_id INTEGER NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
  effect_memory_id INTEGER NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
  strength REAL NOT NULL DEFAULT 1,
  order_index INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE INDEX causal_links_chain ON causal_links(chain_id, order_index, id);
-- The backward walk goes from an effect to its causes.
CREATE INDEX causal_links_effect ON causal_links(user_id, effect_memory_id);

-- Weekday/hour buckets found by POST /intelligence/temporal/detect; a detection replaces the
-- tenant's earlier rows. memory_ids is a JSON array of integers.
CREATE TABLE temporal_patterns (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  label TEXT NOT NULL,
  detail TEXT NOT NULL,
  pattern_type TEXT NOT NULL,
  day_of_week INTEGER NOT NULL,
  hour INTEGER NOT NULL,
  category TEXT,
  memory_ids TEXT NOT NULL,
  confidence REAL NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX temporal_patterns_user ON temporal_patterns(user_id, day_of_week, hour);

-- What reconsolidation (and corrections) changed in a memory, with why. IF NOT EXISTS: the
-- correction part of the group may create the same table with the same columns.
CREATE TABLE IF NOT EXISTS reconsolidations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  memory_id INTEGER NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
  old_content TEXT NOT NULL,
  new_content TEXT NOT NULL,
  reason TEXT NOT NULL,
  triggered_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reconsolidations_memory ON reconsolidations(user_id, memory_id);

-- Grounding tool outcomes per tenant and tool (GET /grounding/quality).
CREATE TABLE tool_quality_records (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  tool_key TEXT NOT NULL,
  backend TEXT NOT NULL,
  server TEXT NOT NULL,
  tool_name TEXT NOT NULL,
  total_calls INTEGER NOT NULL DEFAULT 0,
  total_successes INTEGER NOT NULL DEFAULT 0,
  total_failures INTEGER NOT NULL DEFAULT 0,
  total_execution_ms REAL NOT NULL DEFAULT 0,
  last_execution_at TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (user_id, tool_key)
);
`,
  },
  {
    version: 19,
    name: "document times of memories, given entity links",
    sql: `
-- When what a memory tells happened, when that is known apart from when it was stored: the
-- creation time of the chat export conversation it was ingested from, the start of the episode
-- whose narrative it is. Facts extracted from the memory date from it (contracts/intelligence.md §4).
ALTER TABLE memories ADD COLUMN occurred_at TEXT;

-- How a memory came to name an entity: found by extraction, or given by the writer (entity_ids on
-- /ingest). Only extracted rows mark a memory as indexed, so a given link does not stop extraction.
ALTER TABLE memory_entities ADD COLUMN origin TEXT NOT NULL DEFAULT 'extracted' CHECK (origin IN ('extracted', 'given'));
`,
  },
  {
    version: 21,
    name: "digests",
    sql: `
-- Stored summaries of a tenant's recent memories (contracts/services.md §16).
CREATE TABLE digests (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  period TEXT NOT NULL CHECK (period IN ('daily','weekly','monthly')),
  content TEXT NOT NULL,
  memory_count INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX digests_user ON digests(user_id, id);
`,
  },
  {
    version: 23,
    name: "memory sync ids",
    sql: `
-- A memory's identity across servers (contracts/platform.md §3): exports carry it and an import
-- skips a record whose sync_id the tenant already holds, so importing an export twice adds
-- nothing. Given by a trigger rather than by each writer, so no insert path can leave it out.
ALTER TABLE memories ADD COLUMN sync_id TEXT;
UPDATE memories SET sync_id = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)));
CREATE UNIQUE INDEX memories_user_sync ON memories(user_id, sync_id) WHERE sync_id IS NOT NULL;
CREATE TRIGGER memories_sync_id AFTER INSERT ON memories WHEN new.sync_id IS NULL BEGIN
  UPDATE memories SET sync_id = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))) WHERE id = new.id;
END;
`,
  },
  {
    version: 24,
    name: "server settings",
    sql: `
-- Instance-wide settings (contracts/platform.md §8): what PUT /admin/settings stores, and state the
-- server keeps itself under reserved keys (maintenance_state).
CREATE TABLE server_settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`,
  },
];
