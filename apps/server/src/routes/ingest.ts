import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import {
  ingestFormSchema,
  ingestRequestSchema,
  EngramError,
  INGEST_FORMATS,
  MAX_INGEST_DATA_BYTES,
  MAX_INGEST_TEXT_BYTES,
  MAX_UPLOAD_CHUNK_BYTES,
  MAX_UPLOAD_TOTAL_BYTES,
  uploadChunkSchema,
  uploadCompleteSchema,
  uploadIdSchema,
  uploadInitSchema,
  type IngestEvent,
  type IngestForm,
  type IngestRequest,
  type IngestResult,
  type Principal,
  type UploadSession,
} from "@engram/core";
import type { Context } from "hono";
import type { Logger } from "pino";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, jsonBody, scoped, timestamp } from "./define.js";

const ingestResultSchema = z
  .object({
    ingested: z.number().int().describe("memories created"),
    source: z.string(),
    title: z.string(),
    chunks_processed: z.number().int(),
    total_documents: z.number().int(),
    errors: z.array(z.string()).describe("documents or archive entries skipped or failed, and why"),
    job_id: z.string().describe("ingest_<8 hex>; each chunk's memory carries the tag ingest:<job_id>"),
    status: z.enum(["completed", "skipped", "failed"]),
    duration_ms: z.number().int(),
    memory_ids: z.array(z.number().int()),
    method: z.enum(["rules", "llm"]),
  })
  .meta({ id: "IngestResult" });

const uploadStatusEnum = z.enum(["active", "processing", "completed", "failed", "aborted", "expired"]);
const uploadCreatedSchema = z.object({
  upload_id: z.string(),
  expires_at: timestamp,
  chunk_size: z.number().int().nullable(),
  max_chunk_bytes: z.number().int(),
  max_total_bytes: z.number().int(),
  source: z.string(),
});
const chunkReceivedSchema = z.object({
  upload_id: z.string(),
  chunk_index: z.number().int(),
  received: z.literal(true),
  chunks_received: z.number().int(),
  bytes_received: z.number().int(),
  expected_chunks: z.number().int().nullable(),
});
const completedInlineSchema = z.object({
  upload_id: z.string(),
  status: z.enum(["completed", "failed"]),
  final_sha256: z.string(),
  total_chunks: z.number().int(),
  total_bytes: z.number().int(),
  job_id: z.string(),
  ingested_memories: z.number().int(),
  chunks_processed: z.number().int(),
  errors: z.array(z.string()),
});
const completedQueuedSchema = z.object({
  upload_id: z.string(),
  status: z.literal("processing"),
  final_sha256: z.string(),
  total_chunks: z.number().int(),
  total_bytes: z.number().int(),
  job_id: z.string(),
});
const uploadStatusSchema = z
  .object({
    upload_id: z.string(),
    status: uploadStatusEnum,
    filename: z.string().nullable(),
    content_type: z.string().nullable(),
    source: z.string(),
    expires_at: timestamp,
    expected_chunks: z.number().int().nullable(),
    expected_size: z.number().int().nullable(),
    chunks_received: z.number().int(),
    bytes_received: z.number().int(),
    received_indices: z.array(z.number().int()),
    progress: z.object({ documents: z.number().int(), chunks_done: z.number().int(), chunks_total: z.number().int(), memories_created: z.number().int() }).nullable(),
    ingested_memories: z.number().int().nullable(),
    errors: z.array(z.string()),
  })
  .meta({ id: "UploadStatus" });
const abortedSchema = z.object({ upload_id: z.string(), status: z.literal("aborted") });
const uploadIdParam = z.object({ upload_id: z.string().min(1).max(100) });

const ingestResultDto = (r: IngestResult): z.infer<typeof ingestResultSchema> => ({
  ingested: r.ingested,
  source: r.source,
  title: r.title,
  chunks_processed: r.chunksProcessed,
  total_documents: r.totalDocuments,
  errors: r.errors,
  job_id: r.jobId,
  status: r.status,
  duration_ms: r.durationMs,
  memory_ids: r.memoryIds,
  method: r.method,
});

const sessionProgress = (s: UploadSession) =>
  s.progress && { documents: s.progress.documents, chunks_done: s.progress.chunks_done, chunks_total: s.progress.chunks_total, memories_created: s.progress.memories_created };

/** SSE comments every 15 s keep proxies from closing a quiet stream (a long PDF parse). */
const KEEP_ALIVE_MS = 15_000;

const requestDescription =
  `Exactly one of text (≤ 1 MiB), data (base64, ≤ 8 MiB decoded) or url (fetched: http(s), no redirects, ≤ 8 MiB; loopback and private ` +
  `addresses refused unless ENGRAM_ALLOW_PRIVATE_URLS). format: ${INGEST_FORMATS.join(", ")}; else detected. ` +
  `Or multipart/form-data: one file part named file (≤ 8 MiB) and the other fields as form fields (tags and entity_ids as a JSON ` +
  `array or comma-separated, chunk as JSON); filename defaults to the file part's. episode_id and entity_ids: the caller's own (404 otherwise).`;

/**
 * /ingest's body: JSON, or a form whose file part carries the document. Not `required`: with it,
 * @hono/zod-openapi runs both validators on every request and each refuses the other's type; the
 * handler picks the one that matches, and the media-type gate still answers 415 to any other.
 */
const ingestBody = {
  body: {
    content: { "application/json": { schema: ingestRequestSchema }, "multipart/form-data": { schema: ingestFormSchema } },
    required: false,
  },
};
const isForm = (contentType: string) => /^\s*(multipart\/form-data|application\/x-www-form-urlencoded)\b/i.test(contentType);
const isJson = (contentType: string) => /^\s*application\/([\w.-]+\+)?json\b/i.test(contentType);

export function registerIngestRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps & { log: Logger }) {
  const { ingest, uploads } = deps.engram.ingestion;
  const userOf = (c: { get(k: "principal"): { user: { id: number } } }) => c.get("principal").user.id;
  /** The request with its review state settled: pending when asked for, when the key requires review, or under ENGRAM_REVIEW_REQUIRED. */
  const reviewed = <R extends { review_status?: string | undefined; status?: string | undefined }>(c: { get(k: "principal"): Principal }, req: R): R => ({
    ...req,
    review_status: deps.engram.inbox.statusFor(c.get("principal"), req),
  });

  /** The request's input bytes, refused before any work: over-size text (413), bad base64, a refused URL (400). */
  const inputOf = (req: z.output<typeof ingestRequestSchema>) => {
    if (req.text !== undefined && Buffer.byteLength(req.text, "utf8") > MAX_INGEST_TEXT_BYTES) {
      throw new HTTPException(413, { message: `text: must be at most ${MAX_INGEST_TEXT_BYTES} bytes` });
    }
    return ingest.input(req);
  };

  /**
   * The request, its review state settled, and its input bytes: from the JSON body, or from the
   * form's file part. Its episode and entities are checked here, so that a 404 comes before a URL
   * is fetched and before /ingest/stream sends its first event.
   */
  const requestOf = async (c: Context<AppEnv, string, { out: { json: IngestRequest | IngestForm; form: IngestRequest | IngestForm } }>) => {
    const type = c.req.header("content-type") ?? "";
    if (isForm(type)) {
      // The form validator ran (the content type says so): its output is the form schema's.
      const form = c.req.valid("form") as IngestForm;
      if (form.file.size > MAX_INGEST_DATA_BYTES) throw new HTTPException(413, { message: `file: must be at most ${MAX_INGEST_DATA_BYTES} bytes` });
      ingest.checkTargets(userOf(c), form);
      const input = ingest.fileInput(new Uint8Array(await form.file.arrayBuffer()), form.filename);
      return { req: reviewed(c, form), input };
    }
    // Without a content type neither validator ran: refuse rather than read an unchecked body.
    if (!isJson(type)) throw new EngramError("invalid", "send JSON (application/json) or the document as a file (multipart/form-data)", "body");
    const req = reviewed(c, c.req.valid("json") as IngestRequest);
    ingest.checkTargets(userOf(c), req);
    return { req, input: await inputOf(req) };
  };
  const checked = { targetsChecked: true };

  app.openapi(
    createRoute({
      method: "post",
      path: "/ingest",
      tags: ["ingestion"],
      summary: "Ingest a document, export or archive: one memory per chunk, through the store path",
      description: requestDescription,
      middleware: scoped("write"),
      request: ingestBody,
      responses: { 200: json(ingestResultSchema, "what was ingested (status failed: the input parsed to no text; skipped: already ingested)"), ...errors(400, 401, 403, 404, 429) },
    }),
    async (c) => {
      const { req, input } = await requestOf(c);
      const result = await ingest.run(userOf(c), input, req, checked);
      c.set("auditTargets", result.memoryIds);
      return c.json(ingestResultDto(result), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/ingest/stream",
      tags: ["ingestion"],
      summary: "As /ingest, reporting progress as server-sent events",
      description:
        "With Accept: text/event-stream: `event: progress` frames (detected, parsed, chunked, processed, then done, skipped or error), " +
        "`: keep-alive` comments every 15 s. Without it: one `event: result` frame whose data is /ingest's answer. A client that " +
        "disconnects does not cancel the ingestion.",
      middleware: scoped("write"),
      request: ingestBody,
      responses: {
        200: { description: "progress events, or one result event", content: { "text/event-stream": { schema: z.string() } } },
        ...errors(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const { req, input } = await requestOf(c);
      const userId = userOf(c);
      if (!(c.req.header("accept") ?? "").includes("text/event-stream")) {
        const result = await ingest.run(userId, input, req, checked);
        return streamSSE(c, async (stream) => {
          await stream.writeSSE({ event: "result", data: JSON.stringify(ingestResultDto(result)) });
        });
      }
      return streamSSE(c, async (stream) => {
        // Writes to a client that left fail; the ingestion goes on regardless.
        const send = (frame: { event: string; data: string }) => stream.writeSSE(frame).catch(() => {});
        const writes: Promise<void>[] = [];
        const keepAlive = setInterval(() => writes.push(stream.write(": keep-alive\n\n").then(() => {}, () => {})), KEEP_ALIVE_MS);
        let jobId = "";
        try {
          await ingest.run(userId, input, req, {
            ...checked,
            emit: (e: IngestEvent) => {
              jobId = e.job_id;
              writes.push(send({ event: "progress", data: JSON.stringify(e) }));
            },
          });
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          if (!(err instanceof Error && "kind" in err)) deps.log.error({ err }, "ingestion failed after its stream began");
          writes.push(send({ event: "progress", data: JSON.stringify({ type: "error", job_id: jobId, message }) }));
          writes.push(send({ event: "error", data: JSON.stringify({ error: message }) }));
        } finally {
          clearInterval(keepAlive);
          await Promise.all(writes);
        }
      });
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/ingest/upload/init",
      tags: ["ingestion"],
      summary: "Start a chunked upload (expires after 24 h)",
      middleware: scoped("write"),
      request: jsonBody(uploadInitSchema),
      responses: { 201: json(uploadCreatedSchema, "the session"), ...errors(400, 401, 403) },
    }),
    (c) => {
      const s = uploads.init(userOf(c), c.req.valid("json"));
      return c.json({ upload_id: s.uploadId, expires_at: s.expiresAt, chunk_size: s.chunkSize, max_chunk_bytes: MAX_UPLOAD_CHUNK_BYTES, max_total_bytes: MAX_UPLOAD_TOTAL_BYTES, source: s.source }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/ingest/upload/chunk",
      tags: ["ingestion"],
      summary: "Send one chunk (base64, ≤ 4 MiB decoded, with its SHA-256); re-sending an index replaces it",
      middleware: scoped("write"),
      request: jsonBody(uploadChunkSchema),
      responses: { 200: json(chunkReceivedSchema, "received"), ...errors(400, 401, 403, 404, 409) },
    }),
    (c) => {
      const req = c.req.valid("json");
      const r = uploads.chunk(userOf(c), req);
      return c.json(
        { upload_id: req.upload_id, chunk_index: req.chunk_index, received: true as const, chunks_received: r.chunksReceived, bytes_received: r.bytesReceived, expected_chunks: r.session.totalChunks },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/ingest/upload/complete",
      tags: ["ingestion"],
      summary: "Assemble and ingest: small text now (200), larger or binary input by a durable job (202)",
      middleware: scoped("write"),
      request: jsonBody(uploadCompleteSchema),
      responses: {
        200: json(completedInlineSchema, "ingested in this request"),
        202: json(completedQueuedSchema, "queued as an ingest_upload job; follow it at /ingest/upload/{upload_id}/status"),
        ...errors(400, 401, 403, 404, 409, 429),
      },
    }),
    async (c) => {
      const done = await uploads.complete(userOf(c), reviewed(c, c.req.valid("json")));
      const s = done.session;
      const base = { upload_id: s.uploadId, final_sha256: s.finalSha256!, total_chunks: s.totalChunks!, total_bytes: done.totalBytes, job_id: s.jobId! };
      if (done.kind === "queued") return c.json({ ...base, status: "processing" as const }, 202);
      return c.json(
        {
          ...base,
          status: s.status === "failed" ? ("failed" as const) : ("completed" as const),
          ingested_memories: s.ingestedMemories ?? 0,
          chunks_processed: s.progress?.chunks_done ?? 0,
          errors: s.errors,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/ingest/upload/{upload_id}/status",
      tags: ["ingestion"],
      summary: "An upload's state, received chunks and ingestion progress",
      middleware: scoped("read"),
      request: { params: uploadIdParam },
      responses: { 200: json(uploadStatusSchema, "the session"), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const { session: s, indices, bytes } = uploads.status(userOf(c), c.req.valid("param").upload_id);
      return c.json(
        {
          upload_id: s.uploadId,
          status: s.status,
          filename: s.filename,
          content_type: s.contentType,
          source: s.source,
          expires_at: s.expiresAt,
          expected_chunks: s.totalChunks,
          expected_size: s.totalSize,
          chunks_received: indices.length,
          bytes_received: bytes,
          received_indices: indices,
          progress: sessionProgress(s),
          ingested_memories: s.ingestedMemories,
          errors: s.errors,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/ingest/upload/abort",
      tags: ["ingestion"],
      summary: "Abort an active upload; its chunks are deleted",
      middleware: scoped("write"),
      request: jsonBody(uploadIdSchema),
      responses: { 200: json(abortedSchema, "aborted"), ...errors(400, 401, 403, 404, 409) },
    }),
    (c) => {
      const { upload_id } = c.req.valid("json");
      uploads.abort(userOf(c), upload_id);
      return c.json({ upload_id, status: "aborted" as const }, 200);
    },
  );
}
