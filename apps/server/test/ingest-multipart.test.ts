import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../../test/support/server.js";
import { keyFor, twoTenants, type Client } from "../../../test/support/tenants.js";
import { makePdf } from "./support/ingest-fixtures.js";

/**
 * POST /ingest and /ingest/stream with the document as a multipart/form-data file part (contract
 * §5.1, issue 12): the same validation and pipeline as the JSON body's `data`, the other fields as
 * form fields. Bad forms are a 400 naming the field, and change nothing.
 */

let server: RunningServer;
let alice: Client;
let aliceKey: string;
let readerKey: string;

/** Over the 8 MiB file limit with room to spare, under the body limit: the file limit is what refuses. */
const INGEST_LIMIT = 9 * 1024 * 1024;
const MAX_FILE = 8 * 1024 * 1024;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_INGEST_MAX_BODY_BYTES: String(INGEST_LIMIT), ENGRAM_JOB_POLL_MS: "50" });
  const t = await twoTenants(server.url);
  alice = t.alice.api;
  aliceKey = t.alice.key;
  readerKey = (await keyFor(server.url, t.admin, t.alice.id, "read")).key;
});
afterAll(async () => {
  await server?.stop();
});

type Part = string | { file: Uint8Array | string; name: string };
/** A form of the given fields; a field may repeat (an array of parts). */
function form(fields: Record<string, Part | Part[]>): FormData {
  const f = new FormData();
  for (const [key, value] of Object.entries(fields)) {
    for (const part of Array.isArray(value) ? value : [value]) {
      if (typeof part === "string") f.append(key, part);
      else f.append(key, new Blob([typeof part.file === "string" ? part.file : Buffer.from(part.file)]), part.name);
    }
  }
  return f;
}

/** POSTs a form (fetch sets the multipart content type and boundary); JSON or text back. */
async function postForm(path: string, fields: Record<string, Part | Part[]>, headers: Record<string, string> = {}, key = aliceKey) {
  const res = await fetch(server.url + path, { method: "POST", headers: { authorization: `Bearer ${key}`, ...headers }, body: form(fields) });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // an event stream
  }
  return { status: res.status, headers: res.headers, body };
}

const memory = async (id: number) => (await alice.get(`/memory/${id}`)).body as { content: string; tags: string[]; source: string; category: string; importance: number };
const memoryCount = async () => ((await alice.get("/list?limit=1000&include_archived=true")).body.results as unknown[]).length;

/** Frames of an SSE body: its event name and parsed data; comments dropped. */
function frames(body: string): { event: string; data: any }[] {
  return body
    .split("\n\n")
    .map((f) => f.split("\n").filter((l) => !l.startsWith(":")))
    .filter((lines) => lines.some((l) => l.startsWith("data:")))
    .map((lines) => ({
      event: lines.find((l) => l.startsWith("event:"))?.slice(6).trim() ?? "message",
      data: JSON.parse(lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n")),
    }));
}

describe("POST /ingest: multipart/form-data", () => {
  it("a Markdown file part with form fields: the same answer and memories as the JSON body", async () => {
    const text = "# Lighthouse runbook\n\nThe lighthouse lamp is serviced every second Tuesday by the harbour crew.";
    const res = await postForm("/ingest", {
      file: { file: text, name: "lighthouse.md" },
      source: "docs",
      category: "runbook",
      importance: "7",
      tags: "harbour, Lamps",
      chunk: JSON.stringify({ max_chunk_size: 1000, overlap: 0 }),
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ingested: 1, source: "docs", title: "Lighthouse runbook", chunks_processed: 1, total_documents: 1, errors: [], status: "completed", method: "rules" });
    expect(Object.keys(res.body).sort()).toEqual(["chunks_processed", "duration_ms", "errors", "ingested", "job_id", "memory_ids", "method", "source", "status", "title", "total_documents"]);
    const m = await memory(res.body.memory_ids[0]);
    expect(m).toMatchObject({ content: text, source: "docs", category: "runbook", importance: 7 });
    expect(m.tags).toEqual(expect.arrayContaining(["harbour", "lamps", `ingest:${res.body.job_id}`, "doc:lighthouse runbook", "chunk:1/1"]));
  });

  it("tags and entity_ids may be JSON arrays; filename defaults to the file part's, which picks the format", async () => {
    const csv = "host,role\nvega,backup\nrigel,proxy\n";
    const res = await postForm("/ingest", { file: { file: csv, name: "hosts.csv" }, tags: '["fleet","inventory"]', entity_ids: "[]" });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("completed");
    const m = await memory(res.body.memory_ids[0]);
    // CSV rows come out as "column: value" lines, so the .csv name was read.
    expect(m.content).toMatch(/host: vega/);
    expect(m.tags).toEqual(expect.arrayContaining(["fleet", "inventory"]));
    // A filename field wins over the part's name: the same bytes as plain text are another document.
    const named = await postForm("/ingest", { file: { file: "plain words about the rigel proxy", name: "x.csv" }, filename: "notes.txt" });
    expect((await memory(named.body.memory_ids[0])).content).toBe("plain words about the rigel proxy");
  });

  it("a binary file part (PDF) goes through the same parser as base64 data", async () => {
    const pdf = await makePdf([["Quarterly report", "Revenue grew in the northern region."]]);
    const res = await postForm("/ingest", { file: { file: pdf, name: "report.pdf" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "completed", title: "Quarterly report", total_documents: 1 });
    expect((await memory(res.body.memory_ids[0])).content).toMatch(/northern region/);
    // Bytes that are not what the name says are refused naming the file part.
    const fake = await postForm("/ingest", { file: { file: "not a pdf at all", name: "fake.pdf" }, format: "pdf" });
    expect(fake.status).toBe(400);
    expect(fake.body.error).toMatch(/^file: /);
  });

  it("/ingest/stream takes the same form: progress events, or one result frame", async () => {
    const streamed = await postForm("/ingest/stream", { file: { file: "# Stream form\n\nThe stream form test stores one chunk about comet Hale.", name: "s.md" } }, { accept: "text/event-stream" });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = frames(streamed.body);
    expect(events.map((e) => e.data.type)).toEqual(["detected", "parsed", "chunked", "processed", "done"]);
    expect(events.at(-1)!.data).toMatchObject({ type: "done", total_documents: 1, total_memories: 1 });
    const single = await postForm("/ingest/stream", { file: { file: "The result frame form test names asteroid Vesta.", name: "r.txt" } });
    const [result] = frames(single.body);
    expect(result).toMatchObject({ event: "result", data: { status: "completed", ingested: 1 } });
  });

  it("bad forms are a 400 naming the field, and store nothing", async () => {
    const doc = { file: "The unstored form mentions the quasar Tonantzintla.", name: "bad.md" };
    const before = await memoryCount();
    const cases: [Record<string, Part | Part[]>, RegExp][] = [
      [{ text: "only a text field" }, /^file: is required/],
      [{ file: [doc, doc] }, /^file: send one file part, not 2$/],
      [{ file: doc, text: "and text" }, /^text: send the file part or text, not both$/],
      [{ file: doc, data: "aGVsbG8=" }, /^data: send the file part or data, not both$/],
      [{ file: doc, attachment: doc }, /^attachment: send one file part, named file$/],
      [{ file: "a plain field, not a part" }, /^file: must be a file part/],
      [{ file: { file: "", name: "empty.md" } }, /^file: must not be empty$/],
      [{ file: doc, chunk: "{not json" }, /^chunk: must be an object/],
      [{ file: doc, chunk: JSON.stringify({ max_chunk_size: 50, overlap: 0 }) }, /^chunk\.max_chunk_size: must be between 200 and 20000$/],
      [{ file: doc, mode: "summarize" }, /^mode: must be raw or extract$/],
      [{ file: doc, format: "rtf" }, /^format: must be one of /],
      [{ file: doc, importance: "eleven" }, /^importance: /],
      [{ file: doc, entity_ids: "7,x" }, /^entity_ids\.1: must be an array of integers$/],
      [{ file: doc, episode_id: "-3" }, /^episode_id: must be a positive integer$/],
    ];
    for (const [fields, message] of cases) {
      const res = await postForm("/ingest", fields);
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(res.body.error).toMatch(message);
    }
    // The same document as a good form was never ingested: it is new now, not a skipped repeat.
    expect(await memoryCount()).toBe(before);
    expect((await postForm("/ingest", { file: doc })).body.status).toBe("completed");
  });

  it("a body with neither JSON nor a form content type is a 400; a read-only key is a 403", async () => {
    const raw = await fetch(server.url + "/ingest", { method: "POST", headers: { authorization: `Bearer ${aliceKey}` } });
    expect(raw.status).toBe(400);
    expect((await raw.json()).error).toMatch(/^body: /);
    const reader = await postForm("/ingest", { file: { file: "Read-only keys write nothing.", name: "r.md" } }, {}, readerKey);
    expect(reader.status).toBe(403);
  });

  it("a file part over 8 MiB is a 413; a body over ENGRAM_INGEST_MAX_BODY_BYTES too, from its declared length", async () => {
    const before = await memoryCount();
    const big = await postForm("/ingest", { file: { file: new Uint8Array(MAX_FILE + 1).fill(0x61), name: "big.txt" } });
    expect(big.status).toBe(413);
    expect(big.body.error).toBe(`file: must be at most ${MAX_FILE} bytes`);
    // Declared, not sent: the server answers from Content-Length before reading the body.
    const over = await new Promise<{ status: number; body: { error?: string } }>((resolve, reject) => {
      const req = http.request(server.url + "/ingest", {
        method: "POST",
        headers: { "content-type": "multipart/form-data; boundary=xyz", "content-length": INGEST_LIMIT + 1, authorization: `Bearer ${aliceKey}` },
      });
      req.on("response", (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || "{}") });
        });
      });
      req.on("error", reject);
      req.flushHeaders();
    });
    expect(over.status).toBe(413);
    expect(over.body.error).toBe(`request body exceeds ${INGEST_LIMIT} bytes`);
    expect(await memoryCount()).toBe(before);
  });
});
