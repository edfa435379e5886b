import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../../test/support/server.js";
import { twoTenants, type Client } from "../../../test/support/tenants.js";

/**
 * POST /ingest with a `url`, on a server where ENGRAM_ALLOW_PRIVATE_URLS=true, against a real
 * HTTP server this test starts on the loopback address. (ingest.test.ts has the refusal.)
 */

let server: RunningServer;
let alice: Client;
let docs: http.Server;
let base: string;

const MARKDOWN = "# Incident review\n\nThe outage on 3 March was caused by an expired certificate on the edge proxy.";

beforeAll(async () => {
  docs = http.createServer((req, res) => {
    if (req.url === "/review.md") return res.writeHead(200, { "content-type": "text/markdown" }).end(MARKDOWN);
    if (req.url === "/page") return res.writeHead(200, { "content-type": "text/html" }).end("<html><head><title>Status page</title></head><body><p>All systems normal.</p></body></html>");
    if (req.url === "/moved") return res.writeHead(302, { location: "http://169.254.169.254/" }).end();
    if (req.url === "/huge") {
      // No content-length: the cut-off must come from counting what arrives.
      res.writeHead(200, { "content-type": "text/plain" });
      const block = Buffer.alloc(1024 * 1024, "a");
      for (let i = 0; i < 9; i++) res.write(block);
      return res.end();
    }
    if (req.url === "/slow") return; // never answers: the fetch's deadline ends it
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => docs.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(docs.address() as AddressInfo).port}`;
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_ALLOW_PRIVATE_URLS: "true", ENGRAM_INGEST_URL_TIMEOUT_MS: "1000" });
  alice = (await twoTenants(server.url)).alice.api;
});
afterAll(async () => {
  await server?.stop();
  docs?.closeAllConnections();
  await new Promise((r) => docs?.close(r));
});

describe("POST /ingest with a url (private addresses allowed)", () => {
  it("fetches and ingests the document, its format from the URL's extension or its content", async () => {
    const md = await alice.post("/ingest", { url: `${base}/review.md`, source: "web" });
    expect(md.status).toBe(200);
    expect(md.body).toMatchObject({ status: "completed", title: "Incident review", ingested: 1, source: "web" });
    expect((await alice.get(`/memory/${md.body.memory_ids[0]}`)).body.content).toBe(MARKDOWN);
    const page = await alice.post("/ingest", { url: `${base}/page` });
    expect(page.body).toMatchObject({ status: "completed", title: "Status page" });
  });

  it("refuses redirects, error statuses, documents over 8 MiB and answers that take too long, naming url", async () => {
    const cases: [string, RegExp][] = [
      ["/moved", /^url: answered a redirect \(302\); redirects are not followed/],
      ["/missing", /^url: answered HTTP 404/],
      ["/huge", /^url: the document is over the 8388608-byte limit/],
      ["/slow", /^url: no complete answer within 1000 ms/],
    ];
    for (const [path, error] of cases) {
      const res = await alice.post("/ingest", { url: base + path });
      expect(res.status, path).toBe(400);
      expect(res.body.error).toMatch(error);
    }
  });

  it("cloud metadata addresses stay refused even when private addresses are allowed", async () => {
    const res = await alice.post("/ingest", { url: "http://metadata.google.internal/computeMetadata/v1/" });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^url: metadata.google.internal is a cloud metadata address/);
  });
});
