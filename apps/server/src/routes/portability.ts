import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { Context } from "hono";
import { EngramError, EXPORT_VERSION, INGEST_FORMATS, ingestRequestSchema, MAX_JSON_MEMORIES, type ExportRecord, type ImportResult, type ImportRoute } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, jsonBody, queryBool, scoped } from "./define.js";

/**
 * Data portability (contracts/platform.md §3.1, §3.2): GET /export streams the caller's data as
 * NDJSON (or one JSON object), a page of rows at a time; POST /import takes such a bundle, or
 * another tool's export, into the caller's tenant, all or nothing; /import/json, /import/mem0
 * and /import/supermemory (§3.3) take one format each under the same rules; GET /admin/export
 * (§3.4) exports any tenant. The body limit of /import* is ENGRAM_MAX_IMPORT_BYTES (app.ts).
 */

const exportQuery = z.object({
  format: z.enum(["ndjson", "json"], { error: "must be ndjson or json" }).default("ndjson"),
  include_forgotten: queryBool.optional(),
});
const adminExportQuery = exportQuery.extend({
  user_id: z.coerce.number({ error: "must be a number" }).int("must be an integer").positive("must be a positive integer").optional(),
});
const exportResponse = {
  description: "NDJSON: a header line, one record per line with its type, a footer with the number of records; JSON: {version, exported_at, user_id, username, spaces, memories, links, entities}",
  content: { "application/x-ndjson": { schema: z.string() }, "application/json": { schema: z.string().describe("format=json: one JSON object, streamed") } },
};

const importErrorSchema = z.object({ line: z.number().int().optional(), index: z.number().int().optional(), error: z.string() });
const importResultSchema = z
  .object({
    imported: z.number().int().describe("Memories written (each version row counts)"),
    skipped: z.number().int().describe("Memories already held (same sync_id, or a near-duplicate for formats without one) and unusable records"),
    format: z.enum(["engram-ndjson", "engram", "mem0", "array"]),
    by_type: z.object({ memory: z.number().int(), link: z.number().int(), space: z.number().int() }).describe("Records written per type"),
    errors: z.array(importErrorSchema).describe("Records skipped as unusable on their own (empty or over-long content), by line or index"),
  })
  .meta({ id: "ImportResult" });

const importDescription =
  `The body: an Engram NDJSON export (Content-Type application/x-ndjson, or a first line {"type":"header",...}), an Engram JSON ` +
  `export {version, memories, links?, spaces?}, a mem0 export {memories|results: [...]}, {documents|data: [...]}, or a JSON array of ` +
  `items with content (or text, memory). Validated whole before anything is written (400 naming the line or field), then written ` +
  `in one transaction. A memory whose sync_id the tenant holds is skipped, so a second import adds nothing. At most ` +
  `${MAX_JSON_MEMORIES} memories per JSON body; NDJSON is bounded only by ENGRAM_MAX_IMPORT_BYTES.`;

const bulkBody = z.object({
  text: z.string({ error: "must be a string" }).optional(),
  url: z.unknown().optional(),
  format: z.enum(INGEST_FORMATS, { error: `must be one of ${INGEST_FORMATS.join(", ")}` }).optional(),
  mode: z.enum(["extract", "raw"], { error: "must be extract or raw" }).default("extract"),
  source: z.string({ error: "must be a string" }).default("import"),
  category: z.string({ error: "must be a string" }).default("general"),
  project_id: z.union([z.string(), z.number()], { error: "must be a string or a number" }).optional().describe("Accepted from the reference's clients; not used"),
  episode_id: z.number({ error: "must be an integer" }).int("must be an integer").positive("must be a positive integer").optional(),
});
const bulkResultSchema = z.object({
  job_id: z.string(),
  status: z.enum(["completed", "skipped", "failed"]),
  total_documents: z.number().int(),
  total_chunks: z.number().int(),
  total_memories: z.number().int(),
  errors: z.array(z.string()),
  duration_ms: z.number(),
});

/** `format=json` groups the records under these keys, in the order the export yields them. */
const JSON_SECTIONS: Record<string, string> = { space: "spaces", memory: "memories", link: "links", entity: "entities" };
const SECTION_ORDER = Object.keys(JSON_SECTIONS);

/**
 * The export's records as the body's text pieces: a line each for NDJSON; for JSON, one object
 * written as it goes (the header's fields, then an array per section), never built whole.
 */
function* exportText(records: Generator<ExportRecord>, format: "ndjson" | "json"): Generator<string> {
  if (format === "ndjson") {
    for (const r of records) yield JSON.stringify(r) + "\n";
    return;
  }
  let section = -1;
  let first = true;
  const advance = (to: number) => {
    let out = "";
    for (; section < to; first = true) {
      if (section >= 0) out += "]";
      section++;
      if (section < SECTION_ORDER.length) out += `,${JSON.stringify(JSON_SECTIONS[SECTION_ORDER[section]!])}:[`;
    }
    return out;
  };
  for (const { type, ...r } of records) {
    if (type === "header") {
      yield JSON.stringify({ version: EXPORT_VERSION, exported_at: r.exported_at, user_id: r.user_id, username: r.username }).slice(0, -1);
    } else if (type === "footer") {
      yield advance(SECTION_ORDER.length) + "}";
    } else {
      const piece = advance(SECTION_ORDER.indexOf(type));
      yield piece + (first ? "" : ",") + JSON.stringify(r);
      first = false;
    }
  }
}

/** Pieces pulled per read of the stream: the stream pauses between pulls, so other requests run. */
const PIECES_PER_PULL = 200;

function textStream(pieces: Generator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      let chunk = "";
      for (let i = 0; i < PIECES_PER_PULL; i++) {
        const next = pieces.next();
        if (next.done) {
          if (chunk) controller.enqueue(encoder.encode(chunk));
          controller.close();
          return;
        }
        chunk += next.value;
      }
      controller.enqueue(encoder.encode(chunk));
    },
    cancel() {
      pieces.return(undefined);
    },
  });
}

/** `20260105T100000Z`: a file-name-safe UTC stamp. */
const fileStamp = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
const fileSafe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, "_");

export function registerPortabilityRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { portability } = deps.engram;

  /** The export of one tenant as a streamed attachment. */
  const exportOf = (c: Context<AppEnv>, user: { id: number; username: string }, q: z.output<typeof exportQuery>) => {
    const records = portability.exportRecords(user.id, { includeForgotten: q.include_forgotten ?? false, username: user.username });
    const ext = q.format === "ndjson" ? "ndjson" : "json";
    // @hono/zod-openapi types any */*json media type as a JSON body; this one is streamed text.
    return c.body(textStream(exportText(records, q.format)), 200, {
      "Content-Type": q.format === "ndjson" ? "application/x-ndjson" : "application/json",
      "Content-Disposition": `attachment; filename="engram-export-${fileSafe(user.username)}-${fileStamp(new Date())}.${ext}"`,
    }) as never;
  };

  app.openapi(
    createRoute({
      method: "get",
      path: "/export",
      tags: ["portability"],
      summary: "Your memories (every version), links, spaces and entities, streamed as NDJSON or one JSON object",
      middleware: scoped("read"),
      request: { query: exportQuery },
      responses: { 200: exportResponse, ...errors(400, 401, 403) },
    }),
    (c) => {
      const { user } = c.get("principal");
      return exportOf(c, user, c.req.valid("query"));
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/admin/export",
      tags: ["portability"],
      summary: "As GET /export, for the tenant named by user_id (default: the caller)",
      middleware: scoped("admin"),
      request: { query: adminExportQuery },
      responses: { 200: exportResponse, ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const q = c.req.valid("query");
      const user = q.user_id === undefined ? c.get("principal").user : deps.engram.auth.user(q.user_id);
      if (!user) throw new EngramError("not_found", "user not found");
      return exportOf(c, user, q);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/import",
      tags: ["portability"],
      summary: "Import an Engram export or another tool's export into your tenant, all or nothing",
      description: importDescription,
      middleware: scoped("write"),
      // No declared body: a declared one makes @hono/zod-openapi answer 415 to other media types,
      // and the contract detects the format from the body (an NDJSON bundle sent as text/plain,
      // or by `curl --data-binary`, is still a bundle).
      responses: { 200: json(importResultSchema, "what was written and skipped"), ...errors(400, 401, 403) },
    }),
    async (c) => {
      const result = portability.import(c.get("principal").user.id, await c.req.text(), c.req.header("content-type"));
      return c.json(result, 200);
    },
  );

  const importAs = async (c: Context<AppEnv>, route: ImportRoute): Promise<ImportResult> =>
    portability.importAs(c.get("principal").user.id, route, await c.req.text());
  const countsSchema = (source: string) =>
    z.object({ imported: z.number().int().describe("Memories written"), skipped: z.number().int().describe("Near-duplicates and unusable items"), source: z.literal(source) });
  const routeNotes =
    `Same rules as POST /import: validated whole before anything is written, one transaction, near-duplicates of the tenant's ` +
    `memories skipped by the SimHash rule, at most ${MAX_JSON_MEMORIES} items.`;

  app.openapi(
    createRoute({
      method: "post",
      path: "/import/json",
      tags: ["portability"],
      summary: "Import an Engram JSON export {version, memories: [{content, category?, source?, session_id?, importance?, tags?, confidence?, is_static?, created_at?, updated_at?}]}",
      description: `${routeNotes} Missing version: 400 (not an Engram export); empty memories: 400. source defaults to "import".`,
      middleware: scoped("write"),
      responses: {
        200: json(z.object({ imported: z.object({ memories: z.number().int(), skipped: z.number().int() }) }), "what was written and skipped"),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const r = await importAs(c, "json");
      return c.json({ imported: { memories: r.imported, skipped: r.skipped } }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/import/mem0",
      tags: ["portability"],
      summary: "Import a mem0 export: {memories | results: [...]} or an array of {memory | text | content, metadata?: {category, source, importance, tags}}",
      description: `${routeNotes} Defaults: category general, source mem0-import, tags ["mem0-import"].`,
      middleware: scoped("write"),
      responses: { 200: json(countsSchema("mem0"), "what was written and skipped"), ...errors(400, 401, 403) },
    }),
    async (c) => {
      const r = await importAs(c, "mem0");
      return c.json({ imported: r.imported, skipped: r.skipped, source: "mem0" as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/import/supermemory",
      tags: ["portability"],
      summary: "Import a supermemory export: {documents | memories | data: [...]} or an array of {content | text | description | raw, type, ...}",
      description:
        `${routeNotes} Category from type when absent (note: general; tweet, page, bookmark: discovery; document: task; ` +
        `conversation: state; else general). Tags: supermemory-import, the spaces, the tags and the type.`,
      middleware: scoped("write"),
      responses: { 200: json(countsSchema("supermemory"), "what was written and skipped"), ...errors(400, 401, 403) },
    }),
    async (c) => {
      const r = await importAs(c, "supermemory");
      return c.json({ imported: r.imported, skipped: r.skipped, source: "supermemory" as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/import/bulk",
      tags: ["portability"],
      summary: "Ingest a text (a document, an export) into memories, as POST /ingest does; mode extract (default) splits it into facts when an LLM is configured",
      middleware: scoped("write"),
      request: jsonBody(bulkBody),
      responses: { 202: json(bulkResultSchema, "what was ingested"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const b = c.req.valid("json");
      if (b.url !== undefined) throw new EngramError("invalid", "not supported; send text", "url");
      if (b.text === undefined) throw new EngramError("invalid", "missing", "text");
      const parsed = ingestRequestSchema.safeParse({ text: b.text, format: b.format, mode: b.mode, source: b.source, category: b.category, episode_id: b.episode_id });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new EngramError("invalid", issue.message, issue.path.join(".") || "body");
      }
      const { ingest } = deps.engram.ingestion;
      const userId = c.get("principal").user.id;
      const req = { ...parsed.data, review_status: deps.engram.inbox.statusFor(c.get("principal"), parsed.data) };
      ingest.checkTargets(userId, req);
      const result = await ingest.run(userId, await ingest.input(req), req, { targetsChecked: true });
      c.set("auditTargets", result.memoryIds);
      return c.json(
        {
          job_id: result.jobId,
          status: result.status,
          total_documents: result.totalDocuments,
          total_chunks: result.chunksProcessed,
          total_memories: result.memoryIds.length,
          errors: result.errors,
          duration_ms: result.durationMs,
        },
        202,
      );
    },
  );
}
