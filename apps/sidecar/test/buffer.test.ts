import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, tempDir, type RunningServer } from "../../../test/support/server.js";
import { eventually, memoriesOn, startSidecar, type RunningSidecar } from "./sidecar-process.js";

/**
 * The write buffer against a real outage: the server process is stopped, the sidecar keeps
 * acknowledging writes, the sidecar itself is killed and restarted, and the server comes back
 * on the same data dir and port.
 */

const NO_EMBEDDINGS = { ENGRAM_EMBEDDING_PROVIDER: "none" };
const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const p of running.splice(0).reverse()) await p.stop();
});

async function server(dataDir?: string, port?: number): Promise<RunningServer> {
  const s = await startServer({ ...NO_EMBEDDINGS, ...(port ? { ENGRAM_PORT: String(port) } : {}) }, dataDir);
  running.push(s);
  return s;
}

async function sidecar(stateDir: string, url: string, key: string, session = "outage"): Promise<RunningSidecar> {
  const s = await startSidecar(["--session-id", session, "--state-dir", stateDir], { ENGRAM_URL: url, ENGRAM_API_KEY: key });
  running.push(s);
  return s;
}

const WRITES = [
  "Alpha: the ledger importer reads CSV exports from the bank nightly",
  "Bravo: on-call handover happens Mondays in the ops channel",
  "Charlie: staging database snapshots are kept for fourteen days",
  "Delta: the mobile app pins TLS certificates for api.example.org",
];

describe("writes while engram-server is down", () => {
  it("buffers acknowledged writes durably, survives a sidecar crash, and flushes them in order", async () => {
    const first = await server();
    const key = await bootstrap(first.url);
    const stateDir = tempDir("engram-sidecar-");
    let side = await sidecar(stateDir, first.url, key);
    const before = await side.http.post("/store", { content: "Written while the server was up" });
    expect(before.status).toBe(201);

    await first.stop();
    for (const [i, content] of WRITES.slice(0, 3).entries()) {
      const res = await side.http.post("/store", { content, importance: 7, tags: ["outage"] });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ buffered: true, position: i + 1, seq: i + 1 });
    }
    // Bad input is refused even when it could only be buffered.
    const bad = await side.http.post("/store", { content: "", importance: 7 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("content: must not be empty or whitespace");

    const health = (await side.http.get("/health")).body;
    expect(health.server.reachable).toBe(false);
    expect(health.buffer).toMatchObject({ pending: 3, rejected: 0, last_error: expect.stringMatching(/cannot reach engram-server/) });
    // Reads have nothing to fall back on: an honest 503, not an empty answer.
    const search = await side.http.post("/search", { query: "ledger importer" });
    expect(search.status).toBe(503);
    expect(search.body.error).toMatch(/cannot reach engram-server/);
    const flush = await side.http.post("/flush");
    expect(flush.status).toBe(503);
    expect(flush.body).toMatchObject({ flushed: 0, pending: 3, error: expect.stringMatching(/cannot reach/) });

    // A crash, not a clean shutdown: only what reached the disk before each 202 can survive.
    await side.stop("SIGKILL");
    side = await sidecar(stateDir, first.url, key);
    expect((await side.http.get("/health")).body.buffer.pending).toBe(3);
    const fourth = await side.http.post("/store", { content: WRITES[3], importance: 7, tags: ["outage"] });
    expect(fourth.status).toBe(202);
    expect(fourth.body).toEqual({ buffered: true, position: 4, seq: 4 });

    const second = await server(first.dataDir, first.port);
    // The sidecar's own backoff retry may drain the buffer before this call arrives (the server
    // can take seconds to start on a loaded machine); either way all four leave it, in order.
    const flushed = await side.http.post("/flush");
    expect(flushed.status).toBe(200);
    expect(flushed.body).toMatchObject({ rejected: 0, pending: 0 });
    expect([0, 4]).toContain(flushed.body.flushed);

    const all = await memoriesOn(api(second.url, key));
    expect(all.map((m) => m.content)).toEqual(["Written while the server was up", ...WRITES]);
    for (const m of all.slice(1)) expect(m).toMatchObject({ importance: 7, tags: ["outage"], session_id: "outage", source_count: 1 });
    expect((await side.http.get("/health")).body).toMatchObject({ server: { reachable: true }, buffer: { pending: 0, last_error: null } });

    // Nothing is replayed again after a restart, and writes go straight through once more.
    await side.stop();
    side = await sidecar(stateDir, second.url, key);
    expect((await side.http.get("/health")).body.buffer.pending).toBe(0);
    expect((await side.http.post("/store", { content: "Echo: written after the outage" })).status).toBe(201);
    expect((await memoriesOn(api(second.url, key))).length).toBe(WRITES.length + 2);
    expect(fs.readFileSync(path.join(stateDir, "buffer.jsonl"), "utf8")).toBe("");
  });

  it("retries on its own with backoff and flushes once the server is back", async () => {
    const first = await server();
    const key = await bootstrap(first.url);
    const side = await sidecar(tempDir("engram-sidecar-"), first.url, key);
    await first.stop();
    expect((await side.http.post("/store", { content: "Foxtrot: flushed without anyone asking" })).status).toBe(202);
    expect((await side.http.get("/health")).body.buffer.next_retry_in_ms).toEqual(expect.any(Number));

    const second = await server(first.dataDir, first.port);
    await eventually(async () => expect((await side.http.get("/health")).body.buffer.pending).toBe(0));
    expect((await memoriesOn(api(second.url, key))).map((m) => m.content)).toEqual(["Foxtrot: flushed without anyone asking"]);
  });

  it("sets aside a buffered write the server refuses for good, and flushes the rest in order", async () => {
    const first = await server();
    const key = await bootstrap(first.url);
    const stateDir = tempDir("engram-sidecar-");
    const side = await sidecar(stateDir, first.url, key);
    await first.stop();
    await side.http.post("/store", { content: "Golf: before the bad one" });
    // Valid to the sidecar; only the server knows space 424242 does not exist.
    await side.http.post("/store", { content: "Hotel: filed under a space that does not exist", space_id: 424_242 });
    await side.http.post("/store", { content: "India: after the bad one" });

    const second = await server(first.dataDir, first.port);
    // As above, the backoff retry may have drained the buffer first: the outcome is what counts.
    const flushed = await side.http.post("/flush");
    expect(flushed.body).toMatchObject({ pending: 0 });
    expect([{ flushed: 2, rejected: 1 }, { flushed: 0, rejected: 0 }]).toContainEqual({ flushed: flushed.body.flushed, rejected: flushed.body.rejected });
    expect((await memoriesOn(api(second.url, key))).map((m) => m.content)).toEqual(["Golf: before the bad one", "India: after the bad one"]);
    const rejected = fs.readFileSync(path.join(stateDir, "rejected.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(rejected).toEqual([
      expect.objectContaining({ seq: 2, status: 400, error: expect.stringMatching(/space_id/), request: expect.objectContaining({ space_id: 424_242 }) }),
    ]);
    expect((await side.http.get("/health")).body.buffer).toMatchObject({ pending: 0, rejected: 1 });
  });

  it("replays a write whose confirmation was lost in a crash at most as a server-side duplicate", async () => {
    const s = await server();
    const key = await bootstrap(s.url);
    const stateDir = tempDir("engram-sidecar-");
    const stored = await api(s.url, key).post("/store", { content: "Juliet: the flush reached the server, the cursor did not", session_id: "outage" });
    expect(stored.status).toBe(201);
    // The state a crash leaves between the server's 201 and the cursor update: the entry is still pending.
    fs.writeFileSync(
      path.join(stateDir, "buffer.jsonl"),
      `${JSON.stringify({ seq: 1, buffered_at: new Date().toISOString(), request: { content: "Juliet: the flush reached the server, the cursor did not", session_id: "outage" } })}\n` +
        // ...and a torn append that never got its 202.
        '{"seq":2,"buffered_at":"2026-01-01T00:00:00.000Z","request":{"content":"torn',
    );
    const side = await sidecar(stateDir, s.url, key);
    expect((await side.http.get("/health")).body.buffer.pending).toBe(1);
    // The restarted sidecar's own retry (500 ms) may replay it before this call does.
    const flushed = (await side.http.post("/flush")).body;
    expect(flushed).toMatchObject({ rejected: 0, pending: 0 });
    expect([0, 1]).toContain(flushed.flushed);
    const all = await memoriesOn(api(s.url, key));
    expect(all.map((m) => m.content)).toEqual(["Juliet: the flush reached the server, the cursor did not"]);
    // The server's near-duplicate check absorbed the replay.
    expect(all[0]!.source_count).toBe(2);
    // The torn line is gone and seq continues after the replayed entry.
    await s.stop();
    expect((await side.http.post("/store", { content: "Kilo: buffered after the replay" })).body).toEqual({ buffered: true, position: 1, seq: 2 });
  });
});
