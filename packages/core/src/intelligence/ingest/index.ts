/** Bulk ingestion: documents, exports and archives in; memories through the store path out. */
import type { CoreContext } from "../../context.js";
import type { JobQueue } from "../../jobs/index.js";
import type { LlmClient } from "../../llm/index.js";
import type { MemoryService } from "../../memory/index.js";
import type { EmbeddingService } from "../../vector/index.js";
import { IngestService, type IngestTargets } from "./service.js";
import { IngestStore } from "./store.js";
import { INGEST_UPLOAD_JOB, UploadService } from "./uploads.js";
import type { UrlFetchOptions } from "./url-fetch.js";

export { IngestService, type IngestEvent, type IngestResult, type IngestInput, type IngestTargets } from "./service.js";
export { UploadService, INGEST_UPLOAD_JOB, type UploadCompletion } from "./uploads.js";
export type { UploadSession, UploadStatus, IngestProgress } from "./store.js";
export { INGEST_FORMATS, type IngestFormat } from "./formats.js";
export { checkUrl, isPrivateAddress, type UrlFetchOptions } from "./url-fetch.js";
export { chunkText, type ChunkOptions } from "./chunk.js";
export * from "./schemas.js";

export interface Ingestion {
  ingest: IngestService;
  uploads: UploadService;
}

/** How often sessions past their expiry are marked expired and lose their chunks (besides when next touched). */
const EXPIRY_SWEEP_MS = 60 * 60 * 1000;

export function createIngestion(
  ctx: CoreContext,
  deps: { memories: MemoryService; embedding: EmbeddingService; jobs: JobQueue; urls: UrlFetchOptions; llm: LlmClient } & IngestTargets,
): Ingestion {
  const store = new IngestStore(ctx.db);
  const ingest = new IngestService(ctx, {
    memories: deps.memories,
    embedding: deps.embedding,
    store,
    urls: deps.urls,
    llm: deps.llm,
    episodes: deps.episodes,
    entities: deps.entities,
  });
  const uploads = new UploadService(ctx, { store, ingest, jobs: deps.jobs });
  // One upload parsed at a time: a PDF or ZIP job holds a worker thread and its whole input in memory.
  deps.jobs.register(INGEST_UPLOAD_JOB, (job) => uploads.runJob(job.userId!, job.payload), { concurrency: 1 });
  deps.jobs.every("ingest_upload_expiry", EXPIRY_SWEEP_MS, () => ({}));
  deps.jobs.register("ingest_upload_expiry", () => ({ expired: store.expireDue(ctx.clock.now().toISOString()) }));
  return { ingest, uploads };
}
