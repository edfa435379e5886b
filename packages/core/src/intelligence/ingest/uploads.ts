import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { CoreContext } from "../../context.js";
import { conflict, EngramError, invalid, notFound } from "../../errors.js";
import type { JobQueue } from "../../jobs/index.js";
import { BINARY_FORMATS, formatOfExtension, isPdf, isZip } from "./formats.js";
import {
  ingestOptionsSchema,
  type IngestOptions,
  INLINE_UPLOAD_MAX_BYTES,
  MAX_UPLOAD_CHUNK_BYTES,
  MAX_UPLOAD_TOTAL_BYTES,
  type UploadChunk,
  type UploadComplete,
  type UploadInit,
} from "./schemas.js";
import { decodeBase64, newIngestJobId, sha256Hex, type IngestResult, type IngestService, type RunHooks } from "./service.js";
import type { IngestStore, UploadSession } from "./store.js";

export const INGEST_UPLOAD_JOB = "ingest_upload";
/** Sessions expire this long after init (contract §5.1). */
const SESSION_TTL_MS = 24 * 60 * 60 * 1000;

export type UploadCompletion =
  | { kind: "inline"; session: UploadSession; totalBytes: number }
  | { kind: "queued"; session: UploadSession; totalBytes: number };

const jobPayload = z.object({ uploadId: z.string() });

/**
 * Chunked uploads: init → chunk (hash-checked, idempotent per index) → complete (assembled,
 * then ingested in the request when small text, else by a durable `ingest_upload` job) →
 * status; abort at any point while active. Sessions belong to one user: another user's
 * upload_id is a 404 exactly like an unknown one.
 */
export class UploadService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly deps: { store: IngestStore; ingest: IngestService; jobs: JobQueue },
  ) {}

  private now = () => this.ctx.clock.now().toISOString();

  init(userId: number, req: UploadInit): UploadSession {
    const uploadId = randomUUID();
    const now = this.ctx.clock.now();
    this.deps.store.create({
      uploadId,
      userId,
      filename: req.filename ?? null,
      contentType: req.content_type ?? null,
      source: req.source,
      totalSize: req.total_size ?? null,
      totalChunks: req.total_chunks ?? null,
      chunkSize: req.chunk_size ?? null,
      expiresAt: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
      now: now.toISOString(),
    });
    return this.deps.store.session(userId, uploadId)!;
  }

  /** The user's session; a session past its expiry turns `expired` (and loses its chunks) when first seen so. */
  get(userId: number, uploadId: string): UploadSession {
    const s = this.deps.store.session(userId, uploadId);
    if (!s) throw notFound("upload");
    if (s.status === "active" && s.expiresAt <= this.now()) {
      this.deps.store.transaction(() => {
        this.deps.store.setStatus(uploadId, "expired", this.now());
        this.deps.store.deleteChunks(uploadId);
      });
      return { ...s, status: "expired" };
    }
    return s;
  }

  /** A session and what it has received: its chunks while active, all of them once assembled. */
  status(userId: number, uploadId: string): { session: UploadSession; indices: number[]; bytes: number } {
    const session = this.get(userId, uploadId);
    if (session.status === "active") return { session, indices: this.deps.store.indices(uploadId), bytes: this.deps.store.chunkStats(uploadId).bytes };
    const assembled = session.status === "processing" || session.status === "completed" || session.status === "failed";
    const n = assembled ? (session.totalChunks ?? 0) : 0;
    return { session, indices: Array.from({ length: n }, (_, i) => i), bytes: assembled ? (session.totalSize ?? 0) : 0 };
  }

  private active(userId: number, uploadId: string): UploadSession {
    const s = this.get(userId, uploadId);
    if (s.status !== "active") throw conflict(`upload is ${s.status}`);
    return s;
  }

  chunk(userId: number, req: UploadChunk): { session: UploadSession; chunksReceived: number; bytesReceived: number } {
    const s = this.active(userId, req.upload_id);
    const bytes = decodeBase64("data", req.data);
    if (bytes.length === 0) throw invalid("data", "must not be an empty chunk");
    if (bytes.length > MAX_UPLOAD_CHUNK_BYTES) throw invalid("data", `chunk is ${bytes.length} bytes decoded, over the ${MAX_UPLOAD_CHUNK_BYTES}-byte limit`);
    if (sha256Hex(bytes) !== req.chunk_hash.toLowerCase()) throw invalid("chunk_hash", "chunk_hash mismatch: the SHA-256 of the decoded data differs");
    if (s.totalChunks !== null && req.chunk_index >= s.totalChunks) throw invalid("chunk_index", `must be below total_chunks (${s.totalChunks})`);
    return this.deps.store.transaction(() => {
      const before = this.deps.store.chunkStats(req.upload_id).bytes - this.deps.store.chunkSize(req.upload_id, req.chunk_index);
      if (before + bytes.length > MAX_UPLOAD_TOTAL_BYTES) throw invalid("data", `the upload would exceed ${MAX_UPLOAD_TOTAL_BYTES} bytes in total`);
      this.deps.store.putChunk(req.upload_id, req.chunk_index, req.chunk_hash.toLowerCase(), bytes, this.now());
      const stats = this.deps.store.chunkStats(req.upload_id);
      return { session: s, chunksReceived: stats.count, bytesReceived: stats.bytes };
    });
  }

  /**
   * Checks the chunks (exactly 0..N-1, N as declared, the whole's SHA-256 as given), then
   * ingests: small text here and now; binary or larger inputs by a job, enqueued in the
   * transaction that moves the assembled bytes onto the session and drops the chunks.
   */
  async complete(userId: number, req: UploadComplete): Promise<UploadCompletion> {
    const s = this.active(userId, req.upload_id);
    const indices = this.deps.store.indices(req.upload_id);
    const missing = indices.findIndex((idx, i) => idx !== i);
    if (indices.length === 0) throw invalid("upload_id", "missing chunk at index 0");
    if (missing >= 0) throw invalid("upload_id", `missing chunk at index ${missing}`);
    const expected = req.total_chunks ?? s.totalChunks;
    if (expected !== null && expected !== indices.length) {
      throw invalid("total_chunks", expected > indices.length ? `missing chunk at index ${indices.length}` : `${indices.length} chunks were sent, ${expected} declared`);
    }
    const data = this.deps.store.assemble(req.upload_id);
    const sha = sha256Hex(data);
    if (req.final_sha256 !== undefined && req.final_sha256.toLowerCase() !== sha) throw invalid("final_sha256", "does not match the SHA-256 of the assembled upload");
    if (s.totalSize !== null && s.totalSize !== data.length) throw invalid("upload_id", `${data.length} bytes were sent, total_size declared ${s.totalSize}`);

    const options = ingestOptionsSchema.parse({ ...req, filename: s.filename ?? undefined, source: s.source });
    // Refused now, while the caller waits: the job that may run the pipeline cannot answer a 404.
    this.deps.ingest.checkTargets(userId, options);
    const jobId = newIngestJobId();
    const byName = s.filename ? formatOfExtension(s.filename) : undefined;
    const binary = isPdf(data) || isZip(data) || [req.format, byName].some((f) => f !== undefined && f !== "json" && BINARY_FORMATS.has(f));
    const totals = { totalChunks: indices.length, totalSize: data.length };
    if (!binary && data.length <= INLINE_UPLOAD_MAX_BYTES) {
      const outcome = await this.ingestCaught(userId, s, data, options, { jobId });
      const result = "failed" in outcome ? null : outcome;
      this.deps.store.finish(req.upload_id, {
        status: result && result.status !== "failed" ? "completed" : "failed",
        errors: result ? result.errors : [(outcome as { failed: string }).failed],
        ingested: result?.ingested ?? 0,
        sha,
        jobId,
        ...totals,
        progress: result && { documents: result.totalDocuments, chunks_done: result.chunksProcessed, chunks_total: result.chunksProcessed, memories_created: result.ingested, memory_ids: result.memoryIds },
        now: this.now(),
      });
      return { kind: "inline", session: this.get(userId, req.upload_id), totalBytes: data.length };
    }
    this.deps.store.transaction(() => {
      this.deps.store.startProcessing(req.upload_id, { data, sha, jobId, options, ...totals, now: this.now() });
      this.deps.jobs.enqueue(INGEST_UPLOAD_JOB, { uploadId: req.upload_id }, { userId, dedupeKey: `ingest_upload:${req.upload_id}` });
    });
    return { kind: "queued", session: this.get(userId, req.upload_id), totalBytes: data.length };
  }

  abort(userId: number, uploadId: string): void {
    this.active(userId, uploadId);
    this.deps.store.transaction(() => {
      this.deps.store.setStatus(uploadId, "aborted", this.now());
      this.deps.store.deleteChunks(uploadId);
    });
  }

  /**
   * Runs the pipeline on an upload. Bytes that are not what they claim (a "PDF" that is not
   * one, a malformed export, an unsafe ZIP) fail the session with the parser's message: no
   * retry would change that. Anything else (the embedder, a busy queue) throws, to be retried.
   */
  private async ingestCaught(userId: number, s: UploadSession, data: Buffer, options: IngestOptions, hooks: RunHooks): Promise<IngestResult | { failed: string }> {
    try {
      return await this.deps.ingest.run(userId, { bytes: data, filename: s.filename ?? undefined, field: "data" }, options, { ...hooks, targetsChecked: true });
    } catch (err) {
      if (err instanceof EngramError && err.kind === "invalid" && err.field === "data") return { failed: err.message.replace(/^data: /, "") };
      throw err;
    }
  }

  /**
   * The `ingest_upload` job. Idempotent: a session no longer `processing` is done with; a rerun
   * after a crash resumes after the last chunk whose memory committed (progress is saved in
   * that memory's transaction), and the duplicate check is not repeated on a resume.
   */
  async runJob(userId: number, payload: unknown): Promise<unknown> {
    const { uploadId } = jobPayload.parse(payload);
    const s = this.deps.store.session(userId, uploadId);
    if (!s || s.status !== "processing") return { skipped: `upload is ${s?.status ?? "gone"}` };
    const data = this.deps.store.data(uploadId);
    if (!data) throw new Error(`upload ${uploadId} has no assembled data`);
    const options = ingestOptionsSchema.parse(s.options);
    const result = await this.ingestCaught(userId, s, data, options, {
      jobId: s.jobId ?? undefined,
      resume: s.progress,
      onStored: (p) => this.deps.store.saveProgress(uploadId, p, this.now()),
    });
    if ("failed" in result) {
      this.deps.store.finish(uploadId, { status: "failed", errors: [result.failed], ingested: 0, now: this.now() });
      return { status: "failed", error: result.failed };
    }
    this.deps.store.finish(uploadId, {
      status: result.status === "failed" ? "failed" : "completed",
      errors: result.errors,
      ingested: result.ingested,
      now: this.now(),
    });
    return { status: result.status, memories: result.ingested, chunks: result.chunksProcessed };
  }
}
