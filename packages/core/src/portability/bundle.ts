import { z } from "zod";
import { invalid } from "../errors.js";
import { MAX_CONTENT_BYTES } from "../memory/index.js";

/**
 * Parsing and validation of an import body (contracts/platform.md §3.2), all of it before anything
 * is written: the format is detected, every record checked, and a record unusable on its own
 * (no content, too long) set aside with its place in the file. Nothing here touches the database.
 */

export const EXPORT_VERSION = "2";
export const NDJSON_FORMAT = "engram-ndjson";
/** JSON bodies are parsed whole, so they are bounded by count as well as by ENGRAM_MAX_IMPORT_BYTES. */
export const MAX_JSON_MEMORIES = 5000;

export type ImportFormat = "engram-ndjson" | "engram" | "mem0" | "array";

const text = z.string({ error: "must be a string" });
const timestamp = text.refine((v) => !Number.isNaN(Date.parse(v)), "must be an ISO-8601 timestamp").transform((v) => new Date(v).toISOString());
const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.number({ error: "must be a number" }).int("must be an integer").min(min, `must be >= ${min}`).max(max, `must be <= ${max}`);
const num = z.number({ error: "must be a number" });
const flag = z.boolean({ error: "must be true or false" });
/** Tags as an array, or as the JSON text of one (the reference's exports wrote them so). */
const tags = z.preprocess(
  (v) => {
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return [v];
    }
  },
  z.array(text, { error: "must be an array of strings" }),
);

/** A memory record of an Engram export (3.1); every field but content may be left out. */
export const memoryRecordSchema = z.object({
  id: int(1).nullish(),
  sync_id: text.min(1, "must not be empty").max(200, "must be at most 200 characters").nullish(),
  category: text.min(1, "must not be empty").max(200, "must be at most 200 characters").nullish(),
  source: text.min(1, "must not be empty").max(200, "must be at most 200 characters").nullish(),
  importance: z.number({ error: "must be a number" }).min(1, "must be between 1 and 10").max(10, "must be between 1 and 10").nullish(),
  tags: tags.nullish(),
  confidence: num.min(0, "must be between 0 and 1").max(1, "must be between 0 and 1").nullish(),
  session_id: text.nullish(),
  space: text.nullish(),
  is_static: flag.nullish(),
  status: z.enum(["active", "archived", "forgotten"], { error: "must be active, archived or forgotten" }).nullish(),
  review_status: z.enum(["approved", "pending", "rejected"], { error: "must be approved, pending or rejected" }).nullish(),
  is_archived: flag.nullish(),
  is_forgotten: flag.nullish(),
  forget_reason: text.nullish(),
  forget_after: timestamp.nullish(),
  version: int(1).nullish(),
  is_latest: flag.nullish(),
  parent_memory_id: int(1).nullish(),
  root_memory_id: int(1).nullish(),
  source_count: int(1).nullish(),
  decay_score: num.nullish(),
  access_count: int(0).nullish(),
  last_accessed_at: timestamp.nullish(),
  fsrs_stability: num.nullish(),
  fsrs_difficulty: num.nullish(),
  fsrs_storage_strength: num.nullish(),
  fsrs_retrieval_strength: num.nullish(),
  fsrs_learning_state: int(0).nullish(),
  fsrs_reps: int(0).nullish(),
  fsrs_lapses: int(0).nullish(),
  fsrs_last_review_at: timestamp.nullish(),
  created_at: timestamp.nullish(),
  updated_at: timestamp.nullish(),
});
export type MemoryRecord = z.output<typeof memoryRecordSchema> & { content: string };

export const linkRecordSchema = z.object({
  source_id: int(1),
  target_id: int(1),
  link_type: text.min(1, "must not be empty").max(100, "must be at most 100 characters"),
  similarity: num.min(0, "must be between 0 and 1").max(1, "must be between 0 and 1").default(1),
  created_at: timestamp.nullish(),
});
export type LinkRecord = z.output<typeof linkRecordSchema>;

export const spaceRecordSchema = z.object({
  name: text.trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
  description: text.nullish(),
});
export type SpaceRecord = z.output<typeof spaceRecordSchema>;

/** Where a record sat in the body: its line (NDJSON) or its index in the JSON array. */
export type RecordPlace = { line: number } | { index: number };
export type ImportError = RecordPlace & { error: string };

export interface ParsedBundle {
  format: ImportFormat;
  spaces: SpaceRecord[];
  memories: { place: RecordPlace; record: MemoryRecord }[];
  links: LinkRecord[];
  /** Records skipped as unusable on their own. */
  errors: ImportError[];
}

const where = (p: RecordPlace) => ("line" in p ? `line ${p.line}` : `index ${p.index}`);

function check<T extends z.ZodType>(schema: T, value: unknown, place: RecordPlace | null, prefix = ""): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = prefix + (issue.path.length ? issue.path.join(".") : "record");
  throw invalid(place ? `${where(place)}: ${field}` : field, issue.message);
}

/** Content is checked apart from the other fields: a record without usable text is skipped, not fatal. */
function contentOf(raw: Record<string, unknown>, keys: readonly string[]): string | { error: string } {
  const v = keys.map((k) => raw[k]).find((c) => c !== undefined && c !== null);
  if (typeof v !== "string" || v.trim() === "") return { error: "content: must not be empty" };
  if (Buffer.byteLength(v) > MAX_CONTENT_BYTES) return { error: `content: must be at most ${MAX_CONTENT_BYTES} bytes` };
  return v;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function addMemory(out: ParsedBundle, raw: unknown, place: RecordPlace, contentKeys: readonly string[], map: (o: Record<string, unknown>) => Record<string, unknown> = (o) => o) {
  if (!isObject(raw)) throw invalid(where(place), "must be a JSON object");
  const content = contentOf(raw, contentKeys);
  if (typeof content !== "string") {
    out.errors.push({ ...place, error: content.error });
    return;
  }
  const record = check(memoryRecordSchema, map(raw), place);
  out.memories.push({ place, record: { ...record, content } });
}

/** The NDJSON bundle of 3.1: a header first, a footer last whose `records` counts the lines between. */
function parseNdjson(body: string): ParsedBundle {
  const out: ParsedBundle = { format: "engram-ndjson", spaces: [], memories: [], links: [], errors: [] };
  const lines = body.split("\n");
  let header = false;
  let footer: { line: number; records: number } | null = null;
  let records = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const textLine = lines[i]!.trim();
    if (textLine === "") continue;
    if (footer) throw invalid(`line ${line}`, "record after the footer");
    let rec: unknown;
    try {
      rec = JSON.parse(textLine);
    } catch {
      throw invalid(`line ${line}`, "not valid JSON");
    }
    if (!isObject(rec)) throw invalid(`line ${line}`, "must be a JSON object");
    if (!header) {
      if (rec.type !== "header") throw invalid(`line ${line}`, 'missing header (the first record must have "type":"header")');
      if (rec.format !== NDJSON_FORMAT) throw invalid(`line ${line}: format`, `must be "${NDJSON_FORMAT}"`);
      header = true;
      continue;
    }
    const place = { line };
    switch (rec.type) {
      case "footer":
        footer = { line, records: check(z.object({ records: int(0) }), rec, place).records };
        continue;
      case "memory":
        addMemory(out, rec, place, ["content"]);
        break;
      case "link":
        out.links.push(check(linkRecordSchema, rec, place));
        break;
      case "space":
        out.spaces.push(check(spaceRecordSchema, rec, place));
        break;
      case "header":
        throw invalid(`line ${line}`, "a second header");
      default:
        // Records of features this import does not restore (entity, fact, episode, ...) are
        // counted for the footer but not written.
        if (typeof rec.type !== "string") throw invalid(`line ${line}: type`, "must be a string");
    }
    records++;
  }
  if (!header) throw invalid("body", "empty bundle (no header)");
  if (!footer) throw invalid(`line ${lines.length}`, "missing footer: the bundle is truncated");
  if (footer.records !== records) throw invalid(`line ${footer.line}: records`, `says ${footer.records} but the bundle holds ${records}`);
  return out;
}

/** A mem0 item: text in `memory`, `text` or `content`, the rest in `metadata`; labelled as imported from mem0. */
function mem0Item(o: Record<string, unknown>): Record<string, unknown> {
  const meta = isObject(o.metadata) ? o.metadata : {};
  return {
    category: meta.category ?? "general",
    source: meta.source ?? "mem0-import",
    importance: meta.importance ?? null,
    tags: meta.tags ?? ["mem0-import"],
    created_at: o.created_at ?? null,
    updated_at: o.updated_at ?? null,
  };
}

/** supermemory's document types, as categories (contracts/platform.md §3.3). */
const SUPERMEMORY_CATEGORIES: Record<string, string> = {
  note: "general",
  tweet: "discovery",
  page: "discovery",
  bookmark: "discovery",
  document: "task",
  conversation: "state",
};

/** A supermemory item: its type gives the category; its spaces, tags and type become tags. */
function supermemoryItem(o: Record<string, unknown>): Record<string, unknown> {
  const meta = isObject(o.metadata) ? o.metadata : {};
  const type = typeof o.type === "string" ? o.type : null;
  const list = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
  const spaces = list(o.spaces ?? o.space);
  const given = list(o.tags);
  // Checked as the record's tags (each must be a string), lower-cased and deduplicated on write.
  const labels = ["supermemory-import", ...spaces, ...given, ...(type ? [type] : [])];
  return {
    category: o.category ?? (type ? (SUPERMEMORY_CATEGORIES[type.toLowerCase()] ?? "general") : "general"),
    source: o.source ?? meta.source ?? "supermemory-import",
    importance: o.importance ?? meta.importance ?? null,
    tags: labels,
    created_at: o.created_at ?? o.createdAt ?? null,
    updated_at: o.updated_at ?? o.updatedAt ?? null,
  };
}

/** An item of POST /import/json: an Engram export's memory, by name (source defaults to "import"). */
const jsonItem = (o: Record<string, unknown>) => ({
  category: o.category,
  source: o.source ?? "import",
  session_id: o.session_id,
  importance: o.importance,
  tags: o.tags,
  confidence: o.confidence,
  is_static: o.is_static,
  created_at: o.created_at,
  updated_at: o.updated_at,
});

/** A plain item of a JSON array: content and a few labels, nothing of a chain. */
const arrayItem = (o: Record<string, unknown>) => ({ category: o.category, source: o.source, importance: o.importance, tags: o.tags });

/** The reference's older export: memory columns by number (col_1 content ... col_4 importance). */
const engramItem = (o: Record<string, unknown>) =>
  "col_1" in o && !("content" in o) ? { category: o.col_2, source: o.col_3, importance: o.col_4 } : o;

function parseJson(value: unknown): ParsedBundle {
  let format: ImportFormat;
  let items: unknown[];
  let key: string;
  const extra = { spaces: [] as unknown[], links: [] as unknown[] };
  if (Array.isArray(value)) {
    [format, items, key] = ["array", value, "body"];
  } else if (isObject(value) && value.version !== undefined && Array.isArray(value.memories)) {
    [format, items, key] = ["engram", value.memories, "memories"];
    if (value.spaces !== undefined && !Array.isArray(value.spaces)) throw invalid("spaces", "must be an array");
    if (value.links !== undefined && !Array.isArray(value.links)) throw invalid("links", "must be an array");
    extra.spaces = (value.spaces as unknown[] | undefined) ?? [];
    extra.links = (value.links as unknown[] | undefined) ?? [];
  } else if (isObject(value) && (Array.isArray(value.memories) || Array.isArray(value.results))) {
    key = Array.isArray(value.memories) ? "memories" : "results";
    [format, items] = ["mem0", value[key] as unknown[]];
  } else if (isObject(value) && (Array.isArray(value.documents) || Array.isArray(value.data))) {
    key = Array.isArray(value.documents) ? "documents" : "data";
    [format, items] = ["array", value[key] as unknown[]];
  } else {
    throw invalid("body", "unrecognized import format");
  }
  if (items.length > MAX_JSON_MEMORIES) throw invalid(key, `at most ${MAX_JSON_MEMORIES} memories per JSON body (send NDJSON for more)`);
  const out: ParsedBundle = { format, spaces: [], memories: [], links: [], errors: [] };
  items.forEach((item, index) => {
    const place = { index };
    if (format === "engram") addMemory(out, item, place, ["content", "col_1"], engramItem);
    else if (format === "mem0") addMemory(out, item, place, ["memory", "text", "content"], mem0Item);
    else addMemory(out, item, place, ["content", "text", "memory"], arrayItem);
  });
  extra.spaces.forEach((s, i) => out.spaces.push(check(spaceRecordSchema, s, null, `spaces.${i}.`)));
  extra.links.forEach((l, i) => out.links.push(check(linkRecordSchema, l, null, `links.${i}.`)));
  return out;
}

/** Detects the format (3.2's table) and validates every record; throws `invalid` naming the line or field. */
export function parseImportBody(body: string, contentType: string | undefined): ParsedBundle {
  const newline = body.indexOf("\n");
  const firstLine = (newline < 0 ? body : body.slice(0, newline)).trim();
  const ndjson = (contentType ?? "").toLowerCase().startsWith("application/x-ndjson") || /^\{\s*"type"\s*:\s*"header"/.test(firstLine);
  if (ndjson) return parseNdjson(body);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw invalid("body", "unrecognized import format");
  }
  return parseJson(value);
}

/** The routes of 3.3, each taking one format only. */
export type ImportRoute = "json" | "mem0" | "supermemory";

function itemsOf(value: unknown, keys: readonly string[]): { items: unknown[]; key: string } {
  if (Array.isArray(value)) return { items: value, key: "body" };
  if (isObject(value)) {
    const key = keys.find((k) => Array.isArray(value[k]));
    if (key) return { items: value[key] as unknown[], key };
  }
  throw invalid(keys[0]!, `missing: send {${keys.join(" | ")}: [...]} or an array`);
}

/** POST /import/json, /import/mem0 and /import/supermemory (3.3): the same checks, one format each. */
export function parseImportRoute(route: ImportRoute, body: string): ParsedBundle {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw invalid("body", "malformed JSON");
  }
  let items: unknown[];
  let key: string;
  let format: ImportFormat;
  if (route === "json") {
    if (!isObject(value) || value.version === undefined || value.version === null) throw invalid("version", "missing (not an Engram export)");
    if (!Array.isArray(value.memories)) throw invalid("memories", "must be an array");
    if (value.memories.length === 0) throw invalid("memories", "must not be empty");
    [items, key, format] = [value.memories, "memories", "engram"];
  } else if (route === "mem0") {
    ({ items, key } = itemsOf(value, ["memories", "results"]));
    format = "mem0";
  } else {
    ({ items, key } = itemsOf(value, ["documents", "memories", "data"]));
    format = "array";
  }
  if (items.length > MAX_JSON_MEMORIES) throw invalid(key, `at most ${MAX_JSON_MEMORIES} memories per JSON body (send NDJSON to POST /import for more)`);
  const out: ParsedBundle = { format, spaces: [], memories: [], links: [], errors: [] };
  items.forEach((item, index) => {
    const place = { index };
    if (route === "json") addMemory(out, item, place, ["content"], jsonItem);
    else if (route === "mem0") addMemory(out, item, place, ["memory", "text", "content"], mem0Item);
    else addMemory(out, item, place, ["content", "text", "description", "raw"], supermemoryItem);
  });
  return out;
}
