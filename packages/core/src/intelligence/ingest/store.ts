import type { Statement } from "better-sqlite3";
import type { Db } from "../../db/index.js";

export type UploadStatus = "active" | "processing" | "completed" | "failed" | "aborted" | "expired";

/** A job's place in its input, saved with each stored chunk so a rerun resumes after it. */
export interface IngestProgress {
  documents: number;
  chunks_done: number;
  chunks_total: number;
  memories_created: number;
  memory_ids: number[];
}

export interface UploadSession {
  uploadId: string;
  userId: number;
  filename: string | null;
  contentType: string | null;
  source: string;
  totalSize: number | null;
  totalChunks: number | null;
  chunkSize: number | null;
  status: UploadStatus;
  expiresAt: string;
  finalSha256: string | null;
  jobId: string | null;
  /** The complete request's ingestion options (format, category, mode...), as JSON. */
  options: Record<string, unknown>;
  progress: IngestProgress | null;
  errors: string[];
  ingestedMemories: number | null;
}

interface SqlSession {
  upload_id: string;
  user_id: number;
  filename: string | null;
  content_type: string | null;
  source: string;
  total_size: number | null;
  total_chunks: number | null;
  chunk_size: number | null;
  status: UploadStatus;
  expires_at: string;
  final_sha256: string | null;
  job_id: string | null;
  options: string;
  progress: string | null;
  errors: string;
  ingested_memories: number | null;
}

const SESSION_COLUMNS =
  "upload_id, user_id, filename, content_type, source, total_size, total_chunks, chunk_size, status, expires_at, final_sha256, job_id, options, progress, errors, ingested_memories";

function toSession(r: SqlSession): UploadSession {
  return {
    uploadId: r.upload_id,
    userId: r.user_id,
    filename: r.filename,
    contentType: r.content_type,
    source: r.source,
    totalSize: r.total_size,
    totalChunks: r.total_chunks,
    chunkSize: r.chunk_size,
    status: r.status,
    expiresAt: r.expires_at,
    finalSha256: r.final_sha256,
    jobId: r.job_id,
    options: JSON.parse(r.options) as Record<string, unknown>,
    progress: r.progress === null ? null : (JSON.parse(r.progress) as IngestProgress),
    errors: JSON.parse(r.errors) as string[],
    ingestedMemories: r.ingested_memories,
  };
}

/** Upload sessions, their chunks, and the hashes of inputs each user already ingested. */
export class IngestStore {
  private readonly s: Record<string, Statement>;

  constructor(private readonly db: Db) {
    const q = (sql: string) => db.sqlite.prepare(sql);
    this.s = {
      hasHash: q("SELECT 1 FROM ingestion_hashes WHERE sha256 = ? AND user_id = ?"),
      recordHash: q("INSERT OR IGNORE INTO ingestion_hashes (sha256, user_id, job_id, created_at) VALUES (?, ?, ?, ?)"),
      create: q(
        `INSERT INTO upload_sessions (upload_id, user_id, filename, content_type, source, total_size, total_chunks, chunk_size, status, expires_at, created_at, updated_at)
         VALUES (@uploadId, @userId, @filename, @contentType, @source, @totalSize, @totalChunks, @chunkSize, 'active', @expiresAt, @now, @now)`,
      ),
      session: q(`SELECT ${SESSION_COLUMNS} FROM upload_sessions WHERE upload_id = ? AND user_id = ?`),
      setStatus: q("UPDATE upload_sessions SET status = ?, updated_at = ? WHERE upload_id = ?"),
      putChunk: q(
        `INSERT INTO upload_chunks (upload_id, chunk_index, chunk_hash, size, data, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (upload_id, chunk_index) DO UPDATE SET chunk_hash = excluded.chunk_hash, size = excluded.size, data = excluded.data, created_at = excluded.created_at`,
      ),
      chunkStats: q("SELECT count(*) AS count, coalesce(sum(size), 0) AS bytes FROM upload_chunks WHERE upload_id = ?"),
      chunkSize: q("SELECT size FROM upload_chunks WHERE upload_id = ? AND chunk_index = ?"),
      indices: q("SELECT chunk_index AS i FROM upload_chunks WHERE upload_id = ? ORDER BY chunk_index"),
      chunkData: q("SELECT data FROM upload_chunks WHERE upload_id = ? ORDER BY chunk_index"),
      deleteChunks: q("DELETE FROM upload_chunks WHERE upload_id = ?"),
      startProcessing: q(
        `UPDATE upload_sessions SET status = 'processing', data = @data, final_sha256 = @sha, job_id = @jobId, options = @options,
           total_chunks = @totalChunks, total_size = @totalSize, progress = NULL, errors = '[]', updated_at = @now WHERE upload_id = @uploadId`,
      ),
      data: q("SELECT data FROM upload_sessions WHERE upload_id = ?"),
      progress: q("UPDATE upload_sessions SET progress = ?, updated_at = ? WHERE upload_id = ?"),
      finish: q(
        `UPDATE upload_sessions SET status = @status, final_sha256 = coalesce(@sha, final_sha256), job_id = coalesce(@jobId, job_id),
           total_chunks = coalesce(@totalChunks, total_chunks), total_size = coalesce(@totalSize, total_size), errors = @errors,
           ingested_memories = @ingested, progress = coalesce(@progress, progress), data = NULL, updated_at = @now WHERE upload_id = @uploadId`,
      ),
      dueToExpire: q("SELECT upload_id AS id FROM upload_sessions WHERE status = 'active' AND expires_at <= ? LIMIT 1000"),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.sqlite.transaction(fn)();
  }

  hasHash(userId: number, sha256: string): boolean {
    return this.s.hasHash!.get(sha256, userId) !== undefined;
  }

  recordHash(userId: number, sha256: string, jobId: string, now: string): void {
    this.s.recordHash!.run(sha256, userId, jobId, now);
  }

  create(row: {
    uploadId: string;
    userId: number;
    filename: string | null;
    contentType: string | null;
    source: string;
    totalSize: number | null;
    totalChunks: number | null;
    chunkSize: number | null;
    expiresAt: string;
    now: string;
  }): void {
    this.s.create!.run(row);
  }

  /** The user's session, or undefined (another tenant's is as missing as an unknown one). */
  session(userId: number, uploadId: string): UploadSession | undefined {
    const r = this.s.session!.get(uploadId, userId) as SqlSession | undefined;
    return r && toSession(r);
  }

  setStatus(uploadId: string, status: UploadStatus, now: string): void {
    this.s.setStatus!.run(status, now, uploadId);
  }

  putChunk(uploadId: string, index: number, hash: string, data: Uint8Array, now: string): void {
    this.s.putChunk!.run(uploadId, index, hash, data.length, Buffer.from(data.buffer, data.byteOffset, data.byteLength), now);
  }

  chunkStats(uploadId: string): { count: number; bytes: number } {
    return this.s.chunkStats!.get(uploadId) as { count: number; bytes: number };
  }

  /** Size of a chunk already received at this index (a re-send replaces it), or 0. */
  chunkSize(uploadId: string, index: number): number {
    return (this.s.chunkSize!.get(uploadId, index) as { size: number } | undefined)?.size ?? 0;
  }

  indices(uploadId: string): number[] {
    return (this.s.indices!.all(uploadId) as { i: number }[]).map((r) => r.i);
  }

  /** The chunks' bytes in index order, joined. */
  assemble(uploadId: string): Buffer {
    return Buffer.concat((this.s.chunkData!.all(uploadId) as { data: Buffer }[]).map((r) => r.data));
  }

  deleteChunks(uploadId: string): void {
    this.s.deleteChunks!.run(uploadId);
  }

  /** Keeps the assembled bytes on the session for its job and drops the chunks (call in the enqueue's transaction). */
  startProcessing(uploadId: string, p: { data: Buffer; sha: string; jobId: string; options: Record<string, unknown>; totalChunks: number; totalSize: number; now: string }): void {
    this.s.startProcessing!.run({ uploadId, data: p.data, sha: p.sha, jobId: p.jobId, options: JSON.stringify(p.options), totalChunks: p.totalChunks, totalSize: p.totalSize, now: p.now });
    this.deleteChunks(uploadId);
  }

  data(uploadId: string): Buffer | null {
    return (this.s.data!.get(uploadId) as { data: Buffer | null } | undefined)?.data ?? null;
  }

  saveProgress(uploadId: string, progress: IngestProgress, now: string): void {
    this.s.progress!.run(JSON.stringify(progress), now, uploadId);
  }

  /** Ends a session (completed or failed) and drops its bytes and chunks. */
  finish(
    uploadId: string,
    f: { status: UploadStatus; errors: string[]; ingested: number; progress?: IngestProgress | null; sha?: string; jobId?: string; totalChunks?: number; totalSize?: number; now: string },
  ): void {
    this.s.finish!.run({
      uploadId,
      status: f.status,
      errors: JSON.stringify(f.errors),
      ingested: f.ingested,
      progress: f.progress ? JSON.stringify(f.progress) : null,
      sha: f.sha ?? null,
      jobId: f.jobId ?? null,
      totalChunks: f.totalChunks ?? null,
      totalSize: f.totalSize ?? null,
      now: f.now,
    });
    this.deleteChunks(uploadId);
  }

  /** Active sessions past their expiry become `expired` and lose their chunks. */
  expireDue(now: string): number {
    return this.transaction(() => {
      const ids = (this.s.dueToExpire!.all(now) as { id: string }[]).map((r) => r.id);
      for (const id of ids) {
        this.setStatus(id, "expired", now);
        this.deleteChunks(id);
      }
      return ids.length;
    });
  }
}
