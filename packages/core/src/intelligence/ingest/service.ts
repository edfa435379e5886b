import { createHash, randomBytes } from "node:crypto";
import type { CoreContext } from "../../context.js";
import { z } from "zod";
import { invalid } from "../../errors.js";
import { keepValid, type LlmClient } from "../../llm/index.js";
import { storeInputSchema, type MemoryService } from "../../memory/index.js";
import type { GraphService } from "../../graph/index.js";
import type { EmbeddingService } from "../../vector/index.js";
import type { EpisodeService } from "../episodes/index.js";
import { chunkText } from "./chunk.js";
import { ParseInputError, type IngestDocument } from "./documents.js";
import type { IngestFormat } from "./formats.js";
import { parseOffThread } from "./parse-off-thread.js";
import { MAX_INGEST_DATA_BYTES, type IngestOptions, type IngestRequest } from "./schemas.js";
import type { IngestProgress, IngestStore } from "./store.js";
import { fetchUrl, type UrlFetchOptions } from "./url-fetch.js";

/** The progress events of /ingest/stream, on the wire as the contract lists them. */
export type IngestEvent =
  | { type: "detected"; job_id: string; format: IngestFormat }
  | { type: "parsed"; job_id: string; total_documents: number }
  | { type: "chunked"; job_id: string; document_index: number; document_title: string; chunks: number }
  | { type: "processed"; job_id: string; document_index: number; memories_created: number; chunks_done: number; chunks_total: number }
  | { type: "done"; job_id: string; total_documents: number; total_chunks: number; total_memories: number; duration_ms: number; memory_ids: number[] }
  | { type: "skipped"; job_id: string; reason: string }
  | { type: "error"; job_id: string; message: string };

export interface IngestResult {
  ingested: number;
  source: string;
  title: string;
  chunksProcessed: number;
  totalDocuments: number;
  errors: string[];
  jobId: string;
  status: "completed" | "skipped" | "failed";
  durationMs: number;
  memoryIds: number[];
  method: "rules" | "llm";
  /** PDF pages and chat turns read: the benchmark's units. */
  pages: number;
}

/** An input's bytes, and the request field a refusal of them names. */
export interface IngestInput {
  bytes: Uint8Array;
  filename: string | undefined;
  field: "text" | "data" | "url" | "file";
}

/** What ingestion needs of the episodes and of the graph's entities: checking a request's targets and joining memories to them. */
export interface IngestTargets {
  episodes: Pick<EpisodeService, "own" | "recount">;
  entities: Pick<GraphService["entities"], "requireOwned" | "linkGiven">;
}

export interface RunHooks {
  jobId?: string;
  emit?: (e: IngestEvent) => void;
  /** Where a rerun of a job starts: chunks before `chunks_done` are already stored. */
  resume?: IngestProgress | null;
  /** Runs inside each stored chunk's transaction (a job records its progress there). */
  onStored?: (progress: IngestProgress) => void;
  /**
   * The caller checked `episode_id` and `entity_ids` when it accepted the work (the route, before
   * a stream began; an upload's complete): the run does not refuse them again, and an entity gone
   * since is left out.
   */
  targetsChecked?: boolean;
}

const FACT = z.string().trim().min(5).max(2000);
const MAX_FACTS_PER_CHUNK = 30;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Chunks embedded per call: the embedder's batching pays off, and a batch's progress comes in one burst. */
const EMBED_BATCH = 16;

export const newIngestJobId = () => `ingest_${randomBytes(4).toString("hex")}`;
export const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Strict base64 (whitespace allowed): a typo must not decode to garbage that is then ingested. */
export function decodeBase64(field: string, value: string): Buffer {
  const s = value.replace(/\s+/g, "");
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw invalid(field, "must be valid base64");
  return Buffer.from(s, "base64");
}

/**
 * The ingestion pipeline: input bytes → format → documents → chunks → memories through the
 * store path (vector from the active embedder, as POST /store computes it). Each chunk carries
 * its document and place as tags: `ingest:<job_id>`, `doc:<title>`, `chunk:<i>/<n>`.
 */
export class IngestService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly deps: { memories: MemoryService; embedding: EmbeddingService; store: IngestStore; urls: UrlFetchOptions; llm: LlmClient } & IngestTargets,
  ) {}

  /** Refuses, before anything is stored, an `episode_id` or an `entity_ids` entry that is missing or another tenant's (404). */
  checkTargets(userId: number, opts: Pick<IngestOptions, "episode_id" | "entity_ids">): void {
    if (opts.episode_id !== undefined) this.deps.episodes.own(userId, opts.episode_id);
    this.deps.entities.requireOwned(userId, opts.entity_ids, "entity_ids");
  }

  /** The bytes of an uploaded file part (multipart /ingest): refused when empty; its size limit is the route's (413). */
  fileInput(bytes: Uint8Array, filename: string | undefined): IngestInput {
    if (bytes.length === 0) throw invalid("file", "must not be empty");
    return { bytes, filename, field: "file" };
  }

  /**
   * `mode: "extract"` with an LLM: the chunk's atomic facts (≤ 30), each its own memory. The
   * rules path, and the fallback when the LLM fails or finds nothing, is the chunk itself.
   */
  private async contentsOf(text: string, mode: IngestOptions["mode"], background: boolean): Promise<{ contents: string[]; llm: boolean }> {
    if (mode !== "extract" || !this.deps.llm.configured) return { contents: [text], llm: false };
    const answer = await this.deps.llm.complete({
      feature: "ingest_extract",
      system:
        "Split the document excerpt into atomic, self-contained facts. Keep every value (names, numbers, dates, paths, versions). " +
        'Answer JSON only: {"facts": ["..."]}.',
      input: text,
      schema: z.object({ facts: z.array(z.unknown()) }),
      temperature: 0.1,
      background,
    });
    if (!answer.ok) return { contents: [text], llm: false };
    const facts = keepValid(FACT, answer.value.facts, MAX_FACTS_PER_CHUNK);
    return facts.length > 0 ? { contents: facts, llm: true } : { contents: [text], llm: false };
  }

  /** The bytes a request names: its text, its decoded data, or the document at its URL (SSRF-checked). */
  async input(req: IngestRequest): Promise<IngestInput> {
    if (req.text !== undefined) return { bytes: Buffer.from(req.text, "utf8"), filename: req.filename, field: "text" };
    if (req.data !== undefined) {
      const bytes = decodeBase64("data", req.data);
      if (bytes.length === 0) throw invalid("data", "must not be empty");
      if (bytes.length > MAX_INGEST_DATA_BYTES) throw invalid("data", `decodes to ${bytes.length} bytes, over the ${MAX_INGEST_DATA_BYTES}-byte limit`);
      return { bytes, filename: req.filename, field: "data" };
    }
    const fetched = await fetchUrl(req.url!, { ...this.deps.urls, maxBytes: MAX_INGEST_DATA_BYTES });
    if (fetched.bytes.length === 0) throw invalid("url", "answered an empty document");
    return { bytes: fetched.bytes, filename: req.filename ?? (fetched.filename || undefined), field: "url" };
  }

  /**
   * Ingests one input for a user. A ParseInputError (the input is not what it claims) becomes
   * a 400 naming the input's field; a document that parsed to nothing is `status: "failed"`.
   */
  async run(userId: number, input: IngestInput, opts: IngestOptions, hooks: RunHooks = {}): Promise<IngestResult> {
    const started = performance.now();
    const jobId = hooks.jobId ?? newIngestJobId();
    const emit = hooks.emit ?? (() => {});
    const sha = sha256Hex(input.bytes);
    const base = { source: opts.source, jobId, method: "rules" as "rules" | "llm", errors: [] as string[], pages: 0 };
    const elapsed = () => Math.round(performance.now() - started);
    if (!hooks.targetsChecked) this.checkTargets(userId, opts);

    if (!hooks.resume && this.deps.store.hasHash(userId, sha)) {
      const reason = "this input was already ingested (same SHA-256)";
      emit({ type: "skipped", job_id: jobId, reason });
      return { ...base, ingested: 0, title: opts.title ?? "", chunksProcessed: 0, totalDocuments: 0, errors: [reason], status: "skipped", durationMs: elapsed(), memoryIds: [] };
    }

    let parsed: Awaited<ReturnType<typeof parseOffThread>>;
    try {
      parsed = await parseOffThread({ bytes: input.bytes, format: opts.format, filename: input.filename ?? opts.filename });
    } catch (err) {
      if (err instanceof ParseInputError) throw invalid(input.field, err.message);
      throw err;
    }
    emit({ type: "detected", job_id: jobId, format: parsed.format });
    const documents: IngestDocument[] = parsed.documents.map((d, i) => (i === 0 && opts.title && parsed.documents.length === 1 ? { ...d, title: opts.title } : d));
    emit({ type: "parsed", job_id: jobId, total_documents: documents.length });

    const chunkOpts = { maxChunkSize: opts.chunk.max_chunk_size, overlap: opts.chunk.overlap };
    const work = documents.flatMap((doc, docIndex) => {
      const chunks = chunkText(doc.text, chunkOpts);
      emit({ type: "chunked", job_id: jobId, document_index: docIndex, document_title: doc.title, chunks: chunks.length });
      return chunks.map((text, chunkIndex) => ({ text, docIndex, title: doc.title, chunkIndex, of: chunks.length, occurredAt: doc.createdAt }));
    });

    const progress: IngestProgress = hooks.resume
      ? { ...hooks.resume, memory_ids: [...hooks.resume.memory_ids] }
      : { documents: documents.length, chunks_done: 0, chunks_total: work.length, memories_created: 0, memory_ids: [] };
    progress.documents = documents.length;
    progress.chunks_total = work.length;
    let usedLlm = false;
    for (let at = progress.chunks_done; at < work.length; at += EMBED_BATCH) {
      const batch = work.slice(at, at + EMBED_BATCH);
      // One call at a time: hot-path calls do not queue for a slot, so parallel ones would mostly fall back.
      const contents: { contents: string[]; llm: boolean }[] = [];
      for (const w of batch) contents.push(await this.contentsOf(w.text, opts.mode, hooks.onStored !== undefined));
      usedLlm ||= contents.some((c) => c.llm);
      const flat = contents.flatMap((c) => c.contents);
      const vectors = await this.deps.embedding.embed(flat);
      let v = 0;
      for (const [k, w] of batch.entries()) {
        const inputs = contents[k]!.contents.map((content) => ({
          input: storeInputSchema.parse({
            content,
            category: opts.category,
            source: opts.source,
            importance: opts.importance,
            tags: [...opts.tags, `ingest:${jobId}`, `doc:${w.title}`.slice(0, 100), `chunk:${w.chunkIndex + 1}/${w.of}`],
            space_id: opts.space_id ?? null,
          }),
          vector: vectors?.[v++] ?? null,
        }));
        // A chunk's memories and the job's progress commit together: a rerun after a crash neither repeats nor skips a chunk.
        this.deps.store.transaction(() => {
          for (const { input, vector } of inputs) {
            // A chat export's conversation time travels with each of its chunks: their facts date from it.
            const stored = this.deps.memories.store(userId, input, vector, {
              reviewStatus: pendingReview(opts) ? "pending" : "approved",
              episodeId: opts.episode_id ?? null,
              occurredAt: w.occurredAt,
            });
            if (stored.kind === "stored") {
              if (opts.entity_ids.length > 0) this.deps.entities.linkGiven(userId, stored.memory.id, opts.entity_ids);
              progress.memories_created++;
              progress.memory_ids.push(stored.memory.id);
            }
          }
          progress.chunks_done++;
          hooks.onStored?.(progress);
        });
        emit({
          type: "processed",
          job_id: jobId,
          document_index: w.docIndex,
          memories_created: progress.memories_created,
          chunks_done: progress.chunks_done,
          chunks_total: progress.chunks_total,
        });
        // A macrotask between chunks: without an embedder every await above resolves at once,
        // and a long document would otherwise hold the event loop until its last chunk.
        await yieldToEventLoop();
      }
    }

    if (opts.episode_id !== undefined && progress.memories_created > 0) this.deps.episodes.recount(userId, opts.episode_id);
    const status = documents.length > 0 ? ("completed" as const) : ("failed" as const);
    if (status === "completed") this.deps.store.recordHash(userId, sha, jobId, this.ctx.clock.now().toISOString());
    const durationMs = elapsed();
    if (status === "failed") emit({ type: "error", job_id: jobId, message: parsed.errors.join("; ") || "no text found in the input" });
    else
      emit({
        type: "done",
        job_id: jobId,
        total_documents: documents.length,
        total_chunks: work.length,
        total_memories: progress.memories_created,
        duration_ms: durationMs,
        memory_ids: progress.memory_ids,
      });
    return {
      ...base,
      ingested: progress.memories_created,
      title: documents[0]?.title ?? opts.title ?? "",
      chunksProcessed: progress.chunks_done,
      totalDocuments: documents.length,
      errors: status === "failed" && parsed.errors.length === 0 ? ["no text found in the input"] : parsed.errors,
      status,
      durationMs,
      memoryIds: progress.memory_ids,
      pages: parsed.pages,
      method: usedLlm ? "llm" : "rules",
    };
  }
}

/** Whether the ingested memories wait in the review inbox (review_status, or its alias status). */
const pendingReview = (opts: IngestOptions) => opts.review_status === "pending" || opts.status === "pending";
