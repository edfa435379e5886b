import http from "node:http";
import { createHash } from "node:crypto";
import { strToU8, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants, type Client } from "../../../test/support/tenants.js";
import { b64, chatgptExport, claudeExport, makeBlankPdf, makeDocx, makePdf, makeZip, markEncrypted } from "./support/ingest-fixtures.js";

/**
 * POST /ingest, /ingest/stream and the chunked uploads, black-box over HTTP: every format in,
 * memories out through the store path with their document and place as tags; bad input is a
 * 4xx naming the field; another tenant's upload is a 404. ENGRAM_ALLOW_PRIVATE_URLS is false
 * here, so a URL to this machine is refused (ingest-url.test.ts has it allowed).
 */

let server: RunningServer;
let alice: Client;
let aliceKey: string;
let bob: Client;

const INGEST_LIMIT = 3 * 1024 * 1024;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_ALLOW_PRIVATE_URLS: "false", ENGRAM_INGEST_MAX_BODY_BYTES: String(INGEST_LIMIT), ENGRAM_JOB_POLL_MS: "50" });
  const t = await twoTenants(server.url);
  alice = t.alice.api;
  aliceKey = t.alice.key;
  bob = t.bob.api;
});
afterAll(async () => {
  await server?.stop();
});

const memory = async (c: Client, id: number) => (await c.get(`/memory/${id}`)).body as { content: string; tags: string[]; source: string; category: string; source_count: number };
/**
 * POSTs a body over a limit, as far as the server reads it: the headers, with its length. The
 * server answers 413 from Content-Length and closes the connection without reading the body, so
 * a client that went on writing megabytes would race the close (EPIPE, and the answer lost).
 * Here the body is held back until the answer came, then dropped.
 */
function overLimit(path: string, body: object): Promise<{ status: number; body: { error?: string } }> {
  const length = Buffer.byteLength(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(server.url + path, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": length, authorization: `Bearer ${aliceKey}` },
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
}

const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

describe("POST /ingest: formats", () => {
  it("Markdown: one memory per chunk, cut at headings, each tagged with its document and place", async () => {
    const section = (n: number) => `## Section ${n}\n\n` + `Paragraph about service ${n} and its rollout window. `.repeat(8);
    const text = `# Operations handbook\n\n${[1, 2, 3, 4].map(section).join("\n\n")}`;
    const res = await alice.post("/ingest", { text, source: "docs", chunk: { max_chunk_size: 1000, overlap: 0 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "completed", source: "docs", title: "Operations handbook", total_documents: 1, errors: [], method: "rules" });
    expect(res.body.job_id).toMatch(/^ingest_[0-9a-f]{8}$/);
    expect(res.body.chunks_processed).toBeGreaterThan(1);
    expect(res.body.memory_ids).toHaveLength(res.body.ingested);
    const mems = await Promise.all(res.body.memory_ids.map((id: number) => memory(alice, id)));
    // Each chunk after the first starts at a heading: the cut went at a heading, not mid-section.
    for (const m of mems.slice(1)) expect(m.content).toMatch(/^## Section \d/);
    mems.forEach((m, i) => {
      expect(m.source).toBe("docs");
      expect(m.tags).toEqual(expect.arrayContaining([`ingest:${res.body.job_id}`, "doc:operations handbook", `chunk:${i + 1}/${mems.length}`]));
    });
  });

  it("the same input again is skipped, with no memory", async () => {
    const text = "The backup job runs at 02:00 on host vega and keeps 14 days of snapshots.";
    expect((await alice.post("/ingest", { text })).body.status).toBe("completed");
    const again = await alice.post("/ingest", { text });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: "skipped", ingested: 0, memory_ids: [] });
    // Per user: bob's identical document is his first.
    expect((await bob.post("/ingest", { text })).body.status).toBe("completed");
  });

  it("review_status pending (or its alias status) sends every chunk to the review inbox, out of search", async () => {
    for (const [field, text] of [
      ["review_status", "# Pending runbook\n\nThe quarry job rotates the zephyr keys every Friday."],
      ["status", "# Pending note\n\nThe quarry job also archives the zephyr audit trail."],
    ] as const) {
      const res = await alice.post("/ingest", { text, [field]: "pending" });
      expect(res.body.status).toBe("completed");
      for (const id of res.body.memory_ids as number[]) expect((await alice.get(`/memory/${id}`)).body.review_status).toBe("pending");
      const inbox = ((await alice.get("/inbox")).body.pending as { id: number }[]).map((m) => m.id);
      expect(inbox).toEqual(expect.arrayContaining(res.body.memory_ids));
    }
    expect((await alice.post("/search", { query: "quarry zephyr" })).body.results).toEqual([]);
  });

  it("plain text, HTML and CSV", async () => {
    const plain = await alice.post("/ingest", { text: "Grocery list for the week: oats, lentils, spinach and coffee beans.", filename: "list.txt" });
    expect(plain.body).toMatchObject({ status: "completed", ingested: 1 });

    const html = `<!doctype html><html><head><title>Release notes</title><style>p{color:red}</style><script>alert("x")</script></head>
      <body><h1>Version 4.2</h1><p>The exporter now writes Parquet &amp; CSV files.</p></body></html>`;
    const h = await alice.post("/ingest", { text: html });
    expect(h.body).toMatchObject({ status: "completed", title: "Release notes" });
    const hm = await memory(alice, h.body.memory_ids[0]);
    expect(hm.content).toContain("# Version 4.2");
    expect(hm.content).toContain("Parquet & CSV");
    expect(hm.content).not.toMatch(/alert|color:red|<p>/);

    const csv = await alice.post("/ingest", { text: 'host,role,owner\nvega,backup,"Ops, night shift"\nrigel,web,platform\n', format: "csv", filename: "hosts.csv" });
    expect(csv.body.status).toBe("completed");
    const cm = await memory(alice, csv.body.memory_ids[0]);
    expect(cm.content).toContain("host: vega; role: backup; owner: Ops, night shift");
  });

  it("a ChatGPT export: the tree walked from the root along the current branch, system messages skipped", async () => {
    const res = await alice.post("/ingest", { data: b64(JSON.stringify(chatgptExport())), filename: "conversations.json" });
    expect(res.body).toMatchObject({ status: "completed", title: "Trip planning", total_documents: 1 });
    const m = await memory(alice, res.body.memory_ids[0]);
    expect(m.content).toBe("User: Which train goes from Lisbon to Porto in the morning?\n\nAssistant: The Alfa Pendular leaves Lisbon Santa Apolonia at 07:00.");
  });

  it("a Claude export, a messages list and JSONL, detected from their content", async () => {
    const claude = await alice.post("/ingest", { text: JSON.stringify(claudeExport()) });
    expect(claude.body).toMatchObject({ status: "completed", title: "Database migration" });
    expect((await memory(alice, claude.body.memory_ids[0])).content).toBe(
      "User: We are moving the orders table to Postgres 16 next week.\n\nAssistant: Plan a logical replication slot before the cutover.",
    );

    const messages = await alice.post("/ingest", { text: JSON.stringify([{ role: "user", content: "My dentist is Dr. Okafor on Rua Augusta." }]) });
    expect((await memory(alice, messages.body.memory_ids[0])).content).toBe("User: My dentist is Dr. Okafor on Rua Augusta.");

    const jsonl = await alice.post("/ingest", { text: '{"text":"Sensor 7 reads 21.5 C"}\n{"text":"Sensor 9 reads 19.0 C"}\nnot json\n', format: "jsonl", filename: "readings.jsonl" });
    expect(jsonl.body).toMatchObject({ status: "completed", errors: ["line 3: not JSON"] });
    expect((await memory(alice, jsonl.body.memory_ids[0])).content).toBe("Sensor 7 reads 21.5 C\n\nSensor 9 reads 19.0 C");
  });

  it("a PDF (base64), parsed off the event loop: text of all pages, titled by its first line", async () => {
    const pdf = await makePdf([["Quarterly report", "Revenue grew in the northern region."], ["Page two: churn fell to 2 percent."]]);
    const res = await alice.post("/ingest", { data: b64(pdf) });
    expect(res.body).toMatchObject({ status: "completed", title: "Quarterly report", total_documents: 1 });
    const m = await memory(alice, res.body.memory_ids[0]);
    expect(m.content).toContain("Revenue grew in the northern region.");
    expect(m.content).toContain("churn fell to 2 percent");
  });

  it("a DOCX document", async () => {
    const res = await alice.post("/ingest", { data: b64(makeDocx(["Onboarding checklist", "Request a laptop & a badge on day one."])), filename: "onboarding.docx" });
    expect(res.body).toMatchObject({ status: "completed", title: "onboarding" });
    expect((await memory(alice, res.body.memory_ids[0])).content).toBe("Onboarding checklist\n\nRequest a laptop & a badge on day one.");
  });

  it("a ZIP: entries by extension, .json sniffed; nested archives, hidden files and __MACOSX skipped", async () => {
    const pdf = await makePdf([["Inside the archive", "The PDF entry is read too."]]);
    const zip = makeZip({
      "notes/plan.md": "# Plan\n\nMigrate the queue to the new broker in March.",
      "chats/export.json": JSON.stringify([{ ...claudeExport()[0], chat_messages: [{ sender: "human", text: "The archive's chat says the warehouse moves to Leiria in June." }] }]),
      "docs/spec.pdf": pdf,
      "inner.zip": makeZip({ "x.md": "# nested" }),
      ".hidden.md": "# hidden",
      "__MACOSX/notes/._plan.md": "junk",
      "image.png": new Uint8Array([1, 2, 3]),
    });
    const res = await alice.post("/ingest", { data: b64(zip), filename: "bundle.zip" });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("completed");
    expect(res.body.total_documents).toBe(3);
    expect(res.body.errors).toEqual(expect.arrayContaining(["inner.zip: nested archive skipped", "image.png: unsupported file type skipped"]));
    expect(res.body.errors.join(" ")).not.toMatch(/hidden|MACOSX/);
    const contents = (await Promise.all(res.body.memory_ids.map((id: number) => memory(alice, id)))).map((m) => m.content);
    expect(contents.join("\n")).toContain("Migrate the queue");
    expect(contents.join("\n")).toContain("The PDF entry is read too.");
    expect(contents.join("\n")).toContain("User: The archive's chat says the warehouse moves to Leiria in June.");
  });
});

describe("POST /ingest: bad input is a 4xx naming the field, and stores nothing", () => {
  it("refuses neither or both inputs, blank text, bad base64 and an unknown format", async () => {
    const cases: [unknown, RegExp][] = [
      [{ source: "x" }, /^text: give exactly one of text, data or url/],
      [{ text: "a", data: b64("b") }, /^data: give exactly one/],
      [{ text: "   " }, /^text: must not be empty/],
      [{ data: "not base64!!" }, /^data: must be valid base64/],
      [{ text: "hello there", format: "docs" }, /^format: must be one of/],
      [{ text: "hello there", chunk: { max_chunk_size: 300, overlap: 200 } }, /^chunk\.overlap: must be at most half/],
    ];
    for (const [body, error] of cases) {
      const res = await alice.post("/ingest", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatch(error);
    }
  });

  it("a 'PDF' that is not a PDF, a malformed export, a ZIP with ../ paths, an encrypted entry, a zip bomb", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ data: b64("just some text pretending"), format: "pdf" }, /^data: not a PDF/],
      [{ data: b64("%PDF-1.7\nthis is not really a pdf"), filename: "x.pdf" }, /^data: not a readable PDF/],
      [{ text: JSON.stringify([{ title: "t", mapping: 5 }]), format: "chatgpt-export" }, /^text: not a ChatGPT export/],
      [{ text: '{"broken": ', format: "claude-export" }, /^text: not a claude-export: the content is not JSON/],
      [{ data: b64(zipSync({ "../../etc/cron.d/evil.md": strToU8("# x") })) }, /^data: ZIP entry "..\/..\/etc\/cron.d\/evil.md" escapes the archive \(path traversal\)/],
      [{ data: b64(markEncrypted(makeZip({ "secret.md": "# classified" }))) }, /^data: ZIP entry "secret.md" is encrypted/],
      [{ data: b64(zipSync({ "bomb.txt": new Uint8Array(4 * 1024 * 1024) }, { level: 9 })) }, /^data: ZIP entry "bomb.txt" expands \d+ times \(limit 100\): refused as a zip bomb/],
    ];
    const before = (await alice.get("/list?limit=1000")).body.count;
    for (const [body, error] of cases) {
      const res = await alice.post("/ingest", body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error).toMatch(error);
    }
    expect((await alice.get("/list?limit=1000")).body.count).toBe(before);
  });

  it("a PDF with no extractable text is a failed document (200, status failed), not an error", async () => {
    const res = await alice.post("/ingest", { data: b64(await makeBlankPdf()) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "failed", ingested: 0, errors: ["the PDF has no extractable text"] });
  });

  it("text over 1 MiB is a 413; a body over ENGRAM_INGEST_MAX_BODY_BYTES is a 413; other routes keep the server-wide limit", async () => {
    const big = "word ".repeat(220_000);
    const text = await alice.post("/ingest", { text: big });
    expect(text.status).toBe(413);
    expect(text.body.error).toMatch(/^text: must be at most 1048576 bytes/);
    const over = await overLimit("/ingest", { data: "A".repeat(INGEST_LIMIT + 10) });
    expect(over.status).toBe(413);
    // 1.5 MiB of base64 passes /ingest's limit (3 MiB here) though it is over /store's 1 MiB.
    const within = await alice.post("/ingest", { data: b64("log line with a number 12345\n".repeat(40_000)), filename: "app.log.txt", chunk: { max_chunk_size: 20000, overlap: 0 } });
    expect(within.status).toBe(200);
    expect((await overLimit("/store", { content: "x".repeat(1024 * 1024 + 10) })).status).toBe(413);
  });

  it("a URL to this machine is refused with ENGRAM_ALLOW_PRIVATE_URLS=false, naming url; other schemes too", async () => {
    for (const url of [`${server.url}/health`, "http://127.0.0.1:9/x.md", "http://[::1]/x", "http://10.1.2.3/doc.md", "http://localhost/a"]) {
      const res = await alice.post("/ingest", { url });
      expect(res.status, url).toBe(400);
      expect(res.body.error).toMatch(/^url: .* is a loopback or private address \(ENGRAM_ALLOW_PRIVATE_URLS is false\)/);
    }
    expect((await alice.post("/ingest", { url: "http://169.254.169.254/latest/meta-data" })).body.error).toMatch(/^url: 169.254.169.254 is a cloud metadata address/);
    expect((await alice.post("/ingest", { url: "file:///etc/passwd" })).body.error).toBe("url: must use http or https");
  });
});

describe("POST /ingest/stream", () => {
  it("sends progress events in the contract's order, ending with done", async () => {
    const text = `# Stream test\n\n${"First part of the streamed document. ".repeat(20)}\n\n## Second\n\n${"Second part here. ".repeat(30)}`;
    const res = await alice.raw("POST", "/ingest/stream", { text, chunk: { max_chunk_size: 400, overlap: 50 } }, { accept: "text/event-stream" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = frames(res.body as string);
    expect(events.every((e) => e.event === "progress")).toBe(true);
    const types = events.map((e) => e.data.type);
    const processed = types.filter((t) => t === "processed").length;
    expect(types).toEqual(["detected", "parsed", "chunked", ...Array(processed).fill("processed"), "done"]);
    const [detected, parsed, chunked] = events.map((e) => e.data);
    expect(detected).toMatchObject({ format: "markdown" });
    expect(parsed).toMatchObject({ total_documents: 1 });
    expect(chunked).toMatchObject({ document_index: 0, document_title: "Stream test" });
    expect(processed).toBe(chunked.chunks);
    const done = events.at(-1)!.data;
    expect(done).toMatchObject({ total_documents: 1, total_chunks: chunked.chunks, total_memories: chunked.chunks });
    expect(new Set(events.map((e) => e.data.job_id)).size).toBe(1);
    expect(events.slice(3, -1).map((e) => e.data.chunks_done)).toEqual(Array.from({ length: processed }, (_, i) => i + 1));
  });

  it("a duplicate is one skipped event; a parse failure after the stream began is an error event; validation errors come as JSON", async () => {
    const text = "Streamed twice: the staging database lives on host deneb.";
    await alice.raw("POST", "/ingest/stream", { text }, { accept: "text/event-stream" });
    const again = frames((await alice.raw("POST", "/ingest/stream", { text }, { accept: "text/event-stream" })).body as string);
    expect(again.map((e) => e.data.type)).toEqual(["skipped"]);

    const bad = frames((await alice.raw("POST", "/ingest/stream", { data: b64("nope"), format: "pdf" }, { accept: "text/event-stream" })).body as string);
    expect(bad.map((e) => e.event)).toEqual(["progress", "error"]);
    expect(bad[0]!.data).toMatchObject({ type: "error", message: "data: not a PDF: it does not start with %PDF" });
    expect(bad[1]!.data).toEqual({ error: "data: not a PDF: it does not start with %PDF" });

    const invalid = await alice.raw("POST", "/ingest/stream", { text: "" }, { accept: "text/event-stream" });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatch(/^text:/);
  });

  it("without Accept: text/event-stream, one result frame carrying /ingest's answer", async () => {
    const res = await alice.raw("POST", "/ingest/stream", { text: "One frame only: the VPN gateway is gw-3.example.net." });
    const events = frames(res.body as string);
    expect(events.map((e) => e.event)).toEqual(["result"]);
    expect(events[0]!.data).toMatchObject({ status: "completed", ingested: 1, chunks_processed: 1 });
  });

  it("a client that disconnects does not cancel the ingestion", async () => {
    const text = Array.from({ length: 60 }, (_, i) => `Paragraph ${i}: the disconnect test records fact number ${i * 7} about relay ${i}.`).join("\n\n");
    const ctrl = new AbortController();
    const res = await fetch(`${server.url}/ingest/stream`, {
      method: "POST",
      headers: { authorization: `Bearer ${aliceKey}`, "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ text, source: "disconnect", chunk: { max_chunk_size: 200, overlap: 0 } }),
      signal: ctrl.signal,
    });
    // Read until the chunked event tells how many memories are coming, then hang up.
    const reader = res.body!.getReader();
    let seen = "";
    let chunks: number | undefined;
    while (chunks === undefined) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
      chunks = frames(seen.slice(0, seen.lastIndexOf("\n\n") + 2)).find((e) => e.data.type === "chunked")?.data.chunks;
    }
    ctrl.abort();
    expect(chunks).toBeGreaterThan(10);
    for (;;) {
      const count = (await alice.get("/list?source=disconnect&limit=1000")).body.count;
      if (count === chunks) break;
      expect(count).toBeLessThan(chunks!);
      await sleep(50);
    }
  });
});

describe("chunked uploads", () => {
  const send = (c: Client, uploadId: string, index: number, bytes: Uint8Array | string) =>
    c.post("/ingest/upload/chunk", { upload_id: uploadId, chunk_index: index, chunk_hash: sha(bytes), data: b64(bytes) });

  it("init, chunks (a re-sent index replaces), status, complete inline for small text; then 409", async () => {
    const init = await alice.post("/ingest/upload/init", { filename: "notes.md", total_chunks: 2 });
    expect(init.status).toBe(201);
    expect(init.body).toMatchObject({ source: "upload", max_chunk_bytes: 4194304, max_total_bytes: 268435456 });
    const id = init.body.upload_id as string;
    const part1 = "# Upload notes\n\nThe release train leaves every second Tuesday. ";
    const part2 = "Hotfixes go out on demand after a review by the on-call lead.";
    expect((await send(alice, id, 1, "draft that gets replaced")).status).toBe(200);
    const second = await send(alice, id, 1, part2);
    expect(second.body).toMatchObject({ upload_id: id, chunk_index: 1, received: true, chunks_received: 1, bytes_received: Buffer.byteLength(part2), expected_chunks: 2 });
    expect((await send(alice, id, 0, part1)).body.chunks_received).toBe(2);

    const status = await alice.get(`/ingest/upload/${id}/status`);
    expect(status.body).toMatchObject({ status: "active", filename: "notes.md", expected_chunks: 2, chunks_received: 2, received_indices: [0, 1], progress: null, ingested_memories: null, errors: [] });

    const whole = part1 + part2;
    const done = await alice.post("/ingest/upload/complete", { upload_id: id, final_sha256: sha(whole), category: "process" });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ upload_id: id, status: "completed", final_sha256: sha(whole), total_chunks: 2, total_bytes: Buffer.byteLength(whole), ingested_memories: 1, chunks_processed: 1, errors: [] });
    const after = await alice.get(`/ingest/upload/${id}/status`);
    expect(after.body).toMatchObject({ status: "completed", ingested_memories: 1, progress: { documents: 1, chunks_done: 1, chunks_total: 1, memories_created: 1 } });
    const list = (await alice.get("/list?source=upload")).body.results as { content: string; category: string }[];
    expect(list.find((m) => m.content === whole)?.category).toBe("process");

    for (const [path, body] of [
      ["/ingest/upload/chunk", { upload_id: id, chunk_index: 2, chunk_hash: sha("x"), data: b64("x") }],
      ["/ingest/upload/complete", { upload_id: id }],
      ["/ingest/upload/abort", { upload_id: id }],
    ] as const) {
      const res = await alice.post(path, body);
      expect(res.status, path).toBe(409);
      expect(res.body.error).toBe("upload is completed");
    }
  });

  it("checks hashes, sizes and completeness: 400 naming the field", async () => {
    const id = (await alice.post("/ingest/upload/init", { filename: "a.txt" })).body.upload_id as string;
    const mismatch = await alice.post("/ingest/upload/chunk", { upload_id: id, chunk_index: 0, chunk_hash: sha("other"), data: b64("actual") });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error).toMatch(/^chunk_hash: chunk_hash mismatch/);
    const empty = await alice.post("/ingest/upload/chunk", { upload_id: id, chunk_index: 0, chunk_hash: sha(""), data: "" });
    expect(empty.body.error).toMatch(/^data: must not be an empty chunk/);
    const badB64 = await alice.post("/ingest/upload/chunk", { upload_id: id, chunk_index: 0, chunk_hash: sha("x"), data: "@@@" });
    expect(badB64.body.error).toBe("data: must be valid base64");
    expect((await alice.post("/ingest/upload/chunk", { upload_id: id, chunk_index: -1, chunk_hash: sha("x"), data: b64("x") })).body.error).toMatch(/^chunk_index:/);

    expect((await send(alice, id, 0, "chunk zero of the file. ")).status).toBe(200);
    expect((await send(alice, id, 2, "chunk two of the file.")).status).toBe(200);
    const gap = await alice.post("/ingest/upload/complete", { upload_id: id });
    expect(gap.status).toBe(400);
    expect(gap.body.error).toBe("upload_id: missing chunk at index 1");
    expect((await send(alice, id, 1, "chunk one of the file. ")).status).toBe(200);
    const count = await alice.post("/ingest/upload/complete", { upload_id: id, total_chunks: 4 });
    expect(count.body.error).toBe("total_chunks: missing chunk at index 3");
    const wrongSha = await alice.post("/ingest/upload/complete", { upload_id: id, final_sha256: sha("something else") });
    expect(wrongSha.body.error).toMatch(/^final_sha256: does not match/);
    // Refusals changed nothing: the session is still active and completes.
    expect((await alice.post("/ingest/upload/complete", { upload_id: id })).body.status).toBe("completed");
  });

  it("abort deletes the chunks; later calls are 409 'upload is aborted'", async () => {
    const id = (await alice.post("/ingest/upload/init", {})).body.upload_id as string;
    await send(alice, id, 0, "soon gone");
    const aborted = await alice.post("/ingest/upload/abort", { upload_id: id });
    expect(aborted.body).toEqual({ upload_id: id, status: "aborted" });
    expect((await alice.get(`/ingest/upload/${id}/status`)).body).toMatchObject({ status: "aborted", chunks_received: 0, received_indices: [] });
    const late = await send(alice, id, 1, "late");
    expect(late.status).toBe(409);
    expect(late.body.error).toBe("upload is aborted");
  });

  it("another user's upload_id is a 404 on every route, exactly like an unknown one", async () => {
    const id = (await alice.post("/ingest/upload/init", { filename: "private.md" })).body.upload_id as string;
    await send(alice, id, 0, "# Private\n\nAlice's salary review is in May.");
    for (const uploadId of [id, "00000000-0000-4000-8000-000000000000"]) {
      const calls = [
        await bob.get(`/ingest/upload/${uploadId}/status`),
        await send(bob, uploadId, 1, "intruder"),
        await bob.post("/ingest/upload/complete", { upload_id: uploadId }),
        await bob.post("/ingest/upload/abort", { upload_id: uploadId }),
      ];
      for (const res of calls) {
        expect(res.status).toBe(404);
        expect(res.body.error).toBe("upload not found");
      }
    }
    // Bob's attempts changed nothing of alice's session.
    expect((await alice.get(`/ingest/upload/${id}/status`)).body).toMatchObject({ status: "active", chunks_received: 1 });
  });

  it("a binary upload (a PDF in chunks) is a durable ingest_upload job: 202, then completed at the status route", async () => {
    const pdf = await makePdf(Array.from({ length: 4 }, (_, p) => [`Runbook page ${p + 1}`, `Step ${p + 1}: rotate the keys on host altair-${p}.`]));
    const id = (await alice.post("/ingest/upload/init", { filename: "runbook.pdf", content_type: "application/pdf", source: "runbooks" })).body.upload_id as string;
    const size = Math.ceil(pdf.length / 3);
    for (let i = 0; i * size < pdf.length; i++) expect((await send(alice, id, i, pdf.subarray(i * size, (i + 1) * size))).status).toBe(200);
    const done = await alice.post("/ingest/upload/complete", { upload_id: id, final_sha256: sha(pdf) });
    expect(done.status).toBe(202);
    expect(done.body).toMatchObject({ upload_id: id, status: "processing", total_bytes: pdf.length });
    let status: any;
    do {
      await sleep(50);
      status = (await alice.get(`/ingest/upload/${id}/status`)).body;
    } while (status.status === "processing");
    expect(status).toMatchObject({ status: "completed", ingested_memories: 1, errors: [], progress: { documents: 1, memories_created: 1 } });
    const m = (await alice.get("/list?source=runbooks")).body.results[0];
    expect(m.content).toContain("rotate the keys on host altair-3");
    expect(m.tags).toEqual(expect.arrayContaining([`ingest:${done.body.job_id}`, "doc:runbook page 1", "chunk:1/1"]));
    const jobs = (await alice.get("/jobs?type=ingest_upload")).body;
    expect(jobs.jobs.some((j: { status: string }) => j.status === "completed")).toBe(true);
  });

  it("a binary upload that is not what it claims fails its session with the parser's message", async () => {
    const id = (await alice.post("/ingest/upload/init", { filename: "fake.pdf" })).body.upload_id as string;
    await send(alice, id, 0, "this is not a pdf at all");
    expect((await alice.post("/ingest/upload/complete", { upload_id: id })).status).toBe(202);
    let status: any;
    do {
      await sleep(50);
      status = (await alice.get(`/ingest/upload/${id}/status`)).body;
    } while (status.status === "processing");
    expect(status).toMatchObject({ status: "failed", ingested_memories: 0, errors: ["not a PDF: it does not start with %PDF"] });
  });
});
