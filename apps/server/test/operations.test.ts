import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, SERVER_BIN, startServer, tempDir, type RunningServer } from "../../../test/support/server.js";

let server: RunningServer;
let admin: ReturnType<typeof api>;

beforeAll(async () => {
  server = await startServer({ ENGRAM_MAX_BODY_BYTES: "200000" });
  admin = api(server.url, await bootstrap(server.url));
});
afterAll(() => server.stop());

describe("health and readiness", () => {
  it("answers health, liveness and readiness without a key", async () => {
    const anon = api(server.url);
    expect((await anon.get("/health")).body).toMatchObject({ status: "ok", version: expect.any(String) });
    expect((await anon.get("/health/live")).body).toEqual({ status: "ok" });
    const ready = await anon.get("/health/ready");
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: "ready", checks: { database: "ok", reranker: "disabled" }, failing: [] });
    expect(["loaded", "loading"]).toContain(ready.body.checks.embedder);
  });
});

describe("errors", () => {
  it("answers unknown routes with a JSON 404, keyed or not", async () => {
    for (const client of [api(server.url), admin]) {
      const res = await client.get("/no/such/route");
      expect(res.status).toBe(404);
      expect(res.body.error).toMatch(/no route/);
    }
  });

  it("answers bodies over the limit with 413 and stores nothing", async () => {
    const res = await admin.post("/store", { content: "y".repeat(250_000) });
    expect(res.status).toBe(413);
    expect(res.body.error).toMatch(/exceeds/);
    expect((await admin.get("/list")).body.results).toEqual([]);
  });
});

describe("openapi and metrics", () => {
  it("serves an OpenAPI 3.1 document generated from the route schemas", async () => {
    const doc = (await api(server.url).get("/openapi.json")).body;
    expect(doc.openapi).toBe("3.1.0");
    const store = doc.paths["/store"].post;
    const schema = store.requestBody.content["application/json"].schema;
    expect(schema.required).toContain("content");
    expect(schema.properties.importance).toMatchObject({ minimum: 1, maximum: 10 });
    for (const p of ["/search", "/recall", "/memory/{id}", "/versions/{id}", "/keys/rotate", "/audit", "/bootstrap"]) {
      expect(doc.paths[p], p).toBeDefined();
    }
  });

  it("exposes Prometheus metrics with per-route counts, latencies and memory counts", async () => {
    await admin.post("/store", { content: "metrics probe memory about prometheus" });
    await admin.get("/memory/1");
    const text = (await admin.get("/metrics")).body as string;
    expect(text).toMatch(/engram_http_requests_total\{method="POST",route="\/store",status="201"\} 1/);
    expect(text).toMatch(/engram_http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="\/memory\/:id"\}/);
    expect(text).toMatch(/engram_memories\{status="active"\} 1/);
  });
});

describe("audit", () => {
  it("records who did what to which ids, when and from where; reads are not recorded", async () => {
    const id = (await admin.post("/store", { content: "audit probe: the SFTP drop is sftp-01" })).body.id;
    await admin.post(`/memory/${id}/update`, { content: "audit probe: the SFTP drop is sftp-02" });
    await admin.get(`/memory/${id}`);
    await admin.post("/store", {});
    const entries = (await admin.get("/audit?limit=3")).body.entries;
    expect(entries[0]).toMatchObject({ method: "POST", route: "/store", status: 400, user_id: 1, key_id: 1 });
    expect(entries[1]).toMatchObject({ method: "POST", route: "/memory/:id/update", status: 200, target_ids: [id, id + 1] });
    expect(entries[2]).toMatchObject({ method: "POST", route: "/store", status: 201, target_ids: [id], remote_addr: "127.0.0.1" });
    expect(Date.parse(entries[2].created_at)).not.toBeNaN();
    expect(entries.some((e: { method: string }) => e.method === "GET")).toBe(false);
  });

  it("does not record the POSTs that only read (search, recall, context), nor the reviews they cause", async () => {
    const id = (await admin.post("/store", { content: "audit probe: the read-only POSTs leave no row" })).body.id;
    const before = (await admin.get("/audit?limit=1")).body.entries[0];
    expect(before).toMatchObject({ route: "/store", target_ids: [id] });
    expect((await admin.post("/search", { query: "read-only POSTs" })).status).toBe(200);
    expect((await admin.post("/recall", { query: "read-only POSTs" })).status).toBe(200);
    expect((await admin.post("/context", { query: "read-only POSTs" })).status).toBe(200);
    expect((await admin.post("/search", { query: "" })).status).toBe(400);
    expect((await admin.get("/audit?limit=1")).body.entries[0]).toEqual(before);
  });

  it("records refused mutations with the caller", async () => {
    const reader = (await admin.post("/keys", { scopes: "read" })).body;
    await api(server.url, reader.key).post("/store", { content: "refused write" });
    const [last] = (await admin.get("/audit?limit=1")).body.entries;
    expect(last).toMatchObject({ route: "/store", status: 403, key_id: reader.id });
  });
});

describe("start-up configuration", () => {
  it.each([
    ["ENGRAM_PORT", "not-a-port"],
    ["ENGRAM_LOG_LEVEL", "loud"],
    ["ENGRAM_RATE_LIMIT_PER_MINUTE", "0"],
  ])("stops on invalid %s with a message naming it", (name, value) => {
    const res = spawnSync(process.execPath, [SERVER_BIN], {
      env: { PATH: process.env.PATH, ENGRAM_DATA_DIR: tempDir(), [name]: value },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain(name);
  });
});

describe("graceful shutdown", () => {
  it("finishes in-flight requests on SIGTERM, closes the database and exits 0", async () => {
    const s = await startServer();
    const key = await bootstrap(s.url);
    // Distinct random words: near-duplicates would answer 200 with an earlier id.
    // Each store sends its headers and waits for the server's 100 Continue, the proof that the
    // server holds the request; only then comes SIGTERM, and only after it the bodies.
    const stores = Array.from({ length: 20 }, (_, i) => heldStore(s.url, key, `shutdown probe ${i}: ${randomUUID()} ${randomUUID()} ${randomUUID()}`));
    await Promise.all(stores.map((st) => st.received));
    // The bodies go out once the server has logged the signal (its log lines reach s.logs first).
    const shuttingDown = new Promise<void>((resolve) =>
      s.proc.stdout!.on("data", () => s.logs.some((l) => l.includes("shutting down")) && resolve()),
    );
    const stopped = s.stop("SIGTERM");
    await shuttingDown;
    const results = await Promise.all(stores.map((st) => st.send()));
    const code = await stopped;
    expect(code).toBe(0);
    expect(s.logs.join("\n")).toMatch(/database closed/);
    // Every request the server had received before the signal is answered and stored.
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    const acked = results.map((r) => r.body.id as number);
    const again = await startServer({}, s.dataDir);
    try {
      const key = (await api(again.url).post("/bootstrap")).status;
      expect(key).toBe(403);
      // Every acknowledged store is there after the restart.
      const { openDb } = await import("@engram/core");
      const db = openDb({ path: again.dbPath });
      const ids = (db.sqlite.prepare("SELECT id FROM memories").all() as { id: number }[]).map((r) => r.id);
      db.close();
      expect(acked).toHaveLength(20);
      for (const id of acked) expect(ids).toContain(id);
    } finally {
      await again.stop();
    }
  });
});

/**
 * A POST /store split in two: `received` resolves when the server answers the headers with
 * 100 Continue (it has the request); `send()` then writes the body and resolves with the answer.
 */
function heldStore(url: string, key: string, content: string) {
  const body = JSON.stringify({ content });
  const req = http.request(`${url}/store`, {
    method: "POST",
    agent: false,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "content-length": Buffer.byteLength(body), expect: "100-continue" },
  });
  const answer = new Promise<{ status: number; body: any }>((resolve, reject) => {
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on("error", reject);
  });
  req.flushHeaders();
  const received = new Promise<void>((resolve) => req.once("continue", resolve));
  return {
    received,
    send: () => {
      req.end(body);
      return answer;
    },
  };
}
