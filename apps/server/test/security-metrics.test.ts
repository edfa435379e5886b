import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, type RunningServer } from "../../../test/support/server.js";

/** Finding 15: /metrics was public (every tenant's counts and activity) and counted the whole table on every scrape. */
let server: RunningServer;
let admin: ReturnType<typeof api>;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
  admin = api(server.url, await bootstrap(server.url));
});
afterAll(() => server.stop());

describe("/metrics (finding 15)", () => {
  it("serves the memory gauges from a cache instead of counting the table on every scrape", async () => {
    // The first scrape of this server counts; the next ones within 30 s reuse that count.
    await admin.post("/store", { content: "the first memory of the metrics cache test" });
    expect((await admin.get("/metrics")).body).toMatch(/engram_memories\{status="active"\} 1\n/);
    await admin.post("/store", { content: "a second, unrelated memory about the deploy window" });
    const text = (await admin.get("/metrics")).body as string;
    // The request counter is live; the gauge keeps its count until it is 30 s old.
    expect(text).toMatch(/engram_http_requests_total\{method="POST",route="\/store",status="201"\} 2/);
    expect(text).toMatch(/engram_memories\{status="active"\} 1\n/);
  });

  it("needs an admin key", async () => {
    const anon = await api(server.url).get("/metrics");
    expect(anon.status).toBe(401);
    expect(anon.body).toEqual({ error: "missing API key" });
    const writer = (await admin.post("/keys", { scopes: "read,write" })).body.key;
    const denied = await api(server.url, writer).get("/metrics");
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ error: "this key lacks the admin scope" });
    const ok = await admin.get("/metrics");
    expect(ok.status).toBe(200);
    expect(ok.body).toMatch(/engram_http_requests_total/);
  });
});

describe("/metrics names", () => {
  it("keeps Node's standard process_* and nodejs_* names and prefixes only Engram's own metrics", async () => {
    const text = (await admin.get("/metrics")).body as string;
    const names = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
    // What stock Node.js dashboards query.
    expect(names).toEqual(
      expect.arrayContaining(["process_resident_memory_bytes", "process_cpu_seconds_total", "nodejs_heap_size_used_bytes", "nodejs_eventloop_lag_seconds"]),
    );
    expect(names).toEqual(expect.arrayContaining(["engram_http_requests_total", "engram_http_request_duration_seconds", "engram_memories"]));
    // Every name is a standard one or Engram's own, never a prefixed copy of a standard one.
    for (const name of names) expect(name).toMatch(/^(process_|nodejs_|engram_(http_|llm_|memories$))/);
    // The optional LLM's counters are there (at zero) whether or not an endpoint is configured.
    expect(text).toMatch(/^engram_llm_tokens_total\{kind="prompt"\} 0$/m);
    expect(text).toMatch(/^engram_llm_cost_usd_total 0$/m);
    expect(names.filter((n) => /^engram_(process|nodejs)_/.test(n))).toEqual([]);
  });
});

describe("/metrics with ENGRAM_METRICS_PUBLIC=1", () => {
  it("answers a scraper without a key", async () => {
    const open = await startServer({ ENGRAM_METRICS_PUBLIC: "1", ENGRAM_EMBEDDING_PROVIDER: "none" });
    try {
      const res = await api(open.url).get("/metrics");
      expect(res.status).toBe(200);
      expect(res.body).toMatch(/engram_memories\{status="active"\} 0/);
    } finally {
      await open.stop();
    }
  });
});
