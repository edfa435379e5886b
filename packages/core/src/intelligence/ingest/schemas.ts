import { z } from "zod";
import { importanceSchema, tagsSchema } from "../../memory/index.js";
import { INGEST_FORMATS } from "./formats.js";

/** Inline `text` is at most 1 MiB; decoded `data` and fetched URLs at most 8 MiB (contract §5.1). */
export const MAX_INGEST_TEXT_BYTES = 1024 * 1024;
export const MAX_INGEST_DATA_BYTES = 8 * 1024 * 1024;
/** Chunked uploads: a chunk decoded, and a whole session. */
export const MAX_UPLOAD_CHUNK_BYTES = 4 * 1024 * 1024;
export const MAX_UPLOAD_TOTAL_BYTES = 256 * 1024 * 1024;
/** Assembled uploads of text up to this size are ingested in the complete request; larger or binary ones by a job. */
export const INLINE_UPLOAD_MAX_BYTES = 1024 * 1024;

const label = z.string().trim().min(1, "must not be empty").max(200);
const formatSchema = z.enum(INGEST_FORMATS, { error: `must be one of ${INGEST_FORMATS.join(", ")}` });
const modeSchema = z.enum(["raw", "extract"], { error: "must be raw or extract" });

export const chunkOptionsSchema = z
  .object(
    {
      max_chunk_size: z.number().int("must be an integer").min(200, "must be between 200 and 20000").max(20_000, "must be between 200 and 20000").default(3000),
      overlap: z.number().int("must be an integer").min(0, "must be at least 0").default(200),
    },
    { error: 'must be an object: {"max_chunk_size": 200..20000, "overlap": 0..max/2}' },
  )
  .refine((c) => c.overlap <= c.max_chunk_size / 2, { message: "must be at most half of max_chunk_size", path: ["overlap"] });

/** How an input becomes memories: shared by /ingest, /ingest/stream and upload completion. */
const ingestOptionShape = {
  format: formatSchema.optional(),
  title: z.string().trim().min(1).max(200).optional(),
  category: label.default("general"),
  importance: importanceSchema.default(5),
  mode: modeSchema.default("raw"),
  // Three tags of position are added to each chunk: the memory's limit of 100 leaves 97.
  tags: tagsSchema.max(97, "at most 97 tags").default([]),
  space_id: z.number().int().positive().nullish(),
  chunk: chunkOptionsSchema.default({ max_chunk_size: 3000, overlap: 200 }),
  // "pending" sends every chunk's memory to the review inbox; `status` is the reference's name for it.
  review_status: z.enum(["approved", "pending"], { error: "must be approved or pending" }).optional(),
  status: z.enum(["approved", "pending"], { error: "must be approved or pending" }).optional(),
  // The episode the memories join, and entities each memory is linked to: the caller's own (404 otherwise).
  episode_id: z.number({ error: "must be an integer" }).int("must be an integer").positive("must be a positive integer").optional(),
  entity_ids: z
    .array(z.number({ error: "must be an array of integers" }).int("must be an array of integers").positive("must be an array of positive integers"), {
      error: "must be an array of integers",
    })
    .max(100, "at most 100 entities")
    .default([]),
};

export const ingestRequestSchema = z
  .object({
    text: z.string({ error: "must be a string" }).optional(),
    data: z.string({ error: "must be a base64 string" }).optional(),
    url: z.string({ error: "must be a string" }).optional(),
    filename: z.string().max(255).optional(),
    source: label.default("text"),
    ...ingestOptionShape,
  })
  .superRefine((r, ctx) => {
    const given = (["text", "data", "url"] as const).filter((k) => r[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: "custom", path: [given[1] ?? "text"], message: "give exactly one of text, data or url" });
    } else if (r.text !== undefined && r.text.trim() === "") {
      ctx.addIssue({ code: "custom", path: ["text"], message: "must not be empty or whitespace" });
    }
  });
export type IngestRequest = z.output<typeof ingestRequestSchema>;

/** The options part of a request, as the pipeline and an upload's job read them. */
export const ingestOptionsSchema = z.object({ filename: z.string().max(255).optional(), source: label.default("text"), ...ingestOptionShape });
export type IngestOptions = z.output<typeof ingestOptionsSchema>;

/** A form field that carries a list: a JSON array, or comma-separated values. */
function formList(v: unknown): unknown {
  if (typeof v !== "string") return v;
  const s = v.trim();
  if (s.startsWith("[")) return formJson(s);
  return s === "" ? [] : s.split(",").map((x) => x.trim()).filter((x) => x !== "");
}
/** A form field that carries JSON (chunk options, a list); left as the string when it is not, for the schema to refuse. */
function formJson(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}
const formNumber = (v: unknown) => (typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v);
const formIds = (v: unknown) => {
  const list = formList(v);
  return Array.isArray(list) ? list.map(formNumber) : list;
};
const isFile = (v: unknown): v is File => v instanceof File;

const filePart = z
  .custom<File>(isFile, {
    error: (iss) =>
      iss.input === undefined
        ? "is required: send the document as one file part named file"
        : Array.isArray(iss.input)
          ? `send one file part, not ${iss.input.length}`
          : "must be a file part (a form field with a filename)",
  })
  .meta({ type: "string", format: "binary", description: "the document: one file part named file, at most 8 MiB" });
/** A field that the file part replaces: sending both is a 400 naming it. */
const replacedByFile = (field: string) =>
  z
    .unknown()
    .refine((v) => v === undefined, `send the file part or ${field}, not both`)
    .optional()
    .meta({ description: `not with a file part` });

/**
 * POST /ingest (and /ingest/stream) as multipart/form-data: one file part named `file`, the other
 * request fields as form fields (lists as JSON or comma-separated, `chunk` as JSON). The options
 * are the JSON body's, checked by the same rules; `filename` defaults to the file part's name.
 */
export const ingestFormSchema = z
  .object({
    file: filePart,
    text: replacedByFile("text"),
    data: replacedByFile("data"),
    url: replacedByFile("url"),
    filename: z.string().max(255).optional(),
    source: label.default("text"),
    ...ingestOptionShape,
    importance: z.preprocess(formNumber, ingestOptionShape.importance),
    space_id: z.preprocess(formNumber, ingestOptionShape.space_id),
    tags: z.preprocess(formList, ingestOptionShape.tags).meta({ type: "string", description: "a JSON array, or comma-separated" }),
    chunk: z.preprocess(formJson, ingestOptionShape.chunk).meta({ type: "string", description: 'JSON: {"max_chunk_size": 200..20000, "overlap": 0..max/2}' }),
    episode_id: z.preprocess(formNumber, ingestOptionShape.episode_id),
    entity_ids: z.preprocess(formIds, ingestOptionShape.entity_ids).meta({ type: "string", description: "a JSON array of integers, or comma-separated" }),
  })
  // A second file part under another name would be dropped unread: refuse it instead.
  .catchall(z.unknown().refine((v) => !isFile(v) && !(Array.isArray(v) && v.some(isFile)), "send one file part, named file"))
  .transform(({ text: _text, data: _data, url: _url, ...r }) => ({ ...r, filename: r.filename ?? (r.file.name || undefined) }));
export type IngestForm = z.output<typeof ingestFormSchema>;

const uploadId = z.string({ error: "is required" }).min(1, "is required").max(100);
const sha256Hex = z.string().regex(/^[0-9a-fA-F]{64}$/, "must be a hex SHA-256 (64 characters)");

export const uploadInitSchema = z.object({
  filename: z.string().max(255).optional(),
  content_type: z.string().max(200).optional(),
  source: label.default("upload"),
  total_size: z.number().int().min(0).max(MAX_UPLOAD_TOTAL_BYTES, `must be at most ${MAX_UPLOAD_TOTAL_BYTES}`).optional(),
  total_chunks: z.number().int().min(1, "must be at least 1").max(100_000).optional(),
  chunk_size: z.number().int().min(1).max(MAX_UPLOAD_CHUNK_BYTES, `must be at most ${MAX_UPLOAD_CHUNK_BYTES}`).optional(),
});
export type UploadInit = z.output<typeof uploadInitSchema>;

export const uploadChunkSchema = z.object({
  upload_id: uploadId,
  chunk_index: z.number({ error: "must be an integer" }).int("must be an integer").min(0, "must be at least 0"),
  chunk_hash: sha256Hex,
  data: z.string({ error: "must be a base64 string" }),
});
export type UploadChunk = z.output<typeof uploadChunkSchema>;

export const uploadCompleteSchema = z.object({
  upload_id: uploadId,
  total_chunks: z.number().int().min(1, "must be at least 1").optional(),
  final_sha256: sha256Hex.optional(),
  ...ingestOptionShape,
});
export type UploadComplete = z.output<typeof uploadCompleteSchema>;

export const uploadIdSchema = z.object({ upload_id: uploadId });
