import fs from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { EngramError, type VerifyReport } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errorSchema, errors, json, scoped } from "./define.js";

/**
 * Backups (contracts/platform.md §4.1, §4.2), admin only: GET /backup streams a consistent
 * snapshot of the whole instance (VACUUM INTO a private temp file on a worker thread, deleted
 * once sent or when the client goes away); POST /backup/verify checks an uploaded backup
 * (streamed to a temp file, never held in memory), a stored snapshot, or the live database. The
 * upload's body limit is ENGRAM_MAX_BACKUP_UPLOAD_BYTES (app.ts).
 */

const verifySchema = z
  .object({
    ok: z.literal(true),
    integrity: z.literal("ok"),
    target: z.enum(["upload", "snapshot", "live"]),
    encrypted: z.boolean(),
    schema_version: z.number().int().nullable(),
    memory_count: z.number().int(),
    user_count: z.number().int(),
    size_bytes: z.number().int(),
  })
  .meta({ id: "BackupVerification" });

const failedSchema = z
  .object({ error: z.string(), ok: z.literal(false), integrity: z.string().describe("The first problem found") })
  .meta({ id: "BackupVerificationFailure" });

const verifyBody = z.object({ snapshot: z.string({ error: "must be a string" }).optional() });

/** `20260101-060000`, as the contract names backup files. */
const backupStamp = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace("T", "-").replace(/\.\d+Z$/, "");

export function registerBackupRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { backups } = deps.engram;

  app.openapi(
    createRoute({
      method: "get",
      path: "/backup",
      tags: ["backups"],
      summary: "A consistent snapshot of the whole instance (all tenants), as a SQLite file, taken while writes go on",
      description: "One snapshot runs at a time; a second request waits. The vector index is not included: it is rebuilt from SQLite at start.",
      middleware: scoped("admin"),
      responses: {
        200: {
          description: "the database file (X-Engram-Encrypted, X-Engram-Schema-Version headers)",
          content: { "application/octet-stream": { schema: z.string().describe("binary: a SQLite database file") } },
        },
        ...errors(401, 403),
      },
    }),
    async (c) => {
      const snap = await backups.snapshot();
      const file = fs.createReadStream(snap.path);
      // "close" follows the end of the file and a client that went away alike: the copy never stays behind.
      file.once("close", snap.discard);
      return c.body(Readable.toWeb(file) as ReadableStream<Uint8Array>, 200, {
        "Content-Type": "application/octet-stream",
        "Content-Length": String(snap.sizeBytes),
        "Content-Disposition": `attachment; filename="engram-backup-${backupStamp(snap.takenAt)}.db"`,
        "X-Engram-Encrypted": String(snap.encrypted),
        "X-Engram-Schema-Version": String(snap.schemaVersion ?? 0),
      });
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/backup/verify",
      tags: ["backups"],
      summary: "Check a backup: an uploaded file (application/octet-stream), a stored snapshot ({snapshot}), or the live database (no body, or {})",
      description:
        "Checks that the file opens, that PRAGMA integrity_check is ok and that Engram's tables are there. An upload is streamed to a " +
        "private temp file, checked read-only and deleted; its limit is ENGRAM_MAX_BACKUP_UPLOAD_BYTES.",
      middleware: scoped("admin"),
      responses: {
        200: json(verifySchema, "the file is a valid Engram backup"),
        422: json(failedSchema, "the file is not a valid Engram backup"),
        ...errors(400, 401, 403, 404),
      },
    }),
    async (c) => {
      let report: VerifyReport;
      if (/^\s*application\/octet-stream\b/i.test(c.req.header("content-type") ?? "")) {
        const upload = backups.tempFile("upload");
        try {
          const body = c.req.raw.body;
          if (body) await pipeline(Readable.fromWeb(body as NodeWebStream<Uint8Array>), fs.createWriteStream(upload));
          report = await backups.verifyFile(upload, "upload");
        } finally {
          fs.rmSync(upload, { force: true });
        }
      } else {
        const text = await c.req.text();
        let value: unknown = {};
        if (text.trim() !== "") {
          try {
            value = JSON.parse(text);
          } catch {
            throw new EngramError("invalid", "malformed JSON (send JSON, or the backup as application/octet-stream)", "body");
          }
        }
        const parsed = verifyBody.safeParse(value);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          throw new EngramError("invalid", issue.message, issue.path.join(".") || "body");
        }
        report = parsed.data.snapshot !== undefined ? await backups.verifySnapshot(parsed.data.snapshot) : await backups.verifyLive();
      }
      if (!report.ok) return c.json({ error: `not a valid Engram backup: ${report.problem}`, ok: false as const, integrity: report.integrity }, 422);
      return c.json(report, 200);
    },
  );
}
