import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countTokens } from "@engram/core";
import { api, bootstrap, startServer, type RunningServer } from "../../../test/support/server.js";

type Client = ReturnType<typeof api>;

/**
 * Hostile content (the security review's findings 3, 4 and 5): a memory shaped to make a text
 * scanner or the tokenizer slow must not stall the server for anyone else. Each test stores
 * one, starts the work it feeds (the auto_link job and POST /entities, /context, /search),
 * and meanwhile asks GET /health from another client (a fresh connection each time) again and
 * again. Every answer must come within 1 s, a wide margin: a free event loop answers in a few
 * milliseconds, and before the fixes these calls waited 11-62 s. The work must also finish,
 * with the right result. Embeddings are off: the findings are about text, not vectors.
 */

/** Every memory is at most 102,400 bytes; these fill it. */
const HOSTNAME_BAIT = "b.".repeat(51_200);
const NAME_BAIT = `hello ${"aé".repeat(34_000)}`;

const HEALTH_LIMIT_MS = 1000;

/**
 * GET /health over a new connection (agent: false): resolves with its latency, rejects when it
 * is not a 200 or does not answer within HEALTH_LIMIT_MS.
 */
function healthOnce(url: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/health`, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`/health answered ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.setTimeout(HEALTH_LIMIT_MS, () => req.destroy(new Error(`GET /health did not answer within ${HEALTH_LIMIT_MS} ms`)));
  });
}

/**
 * Asks /health back to back (25 ms apart) until `work` settles; returns the work's result and
 * every latency. A /health call that fails or takes HEALTH_LIMIT_MS fails the test at once.
 */
async function whileHealthWatched<T>(url: string, work: () => Promise<T>): Promise<{ result: T; latencies: number[] }> {
  const latencies: number[] = [];
  let done = false;
  const watcher = (async () => {
    while (!done) {
      latencies.push(await healthOnce(url));
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  const finished = work().finally(() => (done = true));
  // Whichever fails first fails the test; otherwise wait for both.
  const [result] = await Promise.all([finished, watcher]);
  return { result, latencies };
}

function expectLive(latencies: number[]) {
  expect(latencies.length).toBeGreaterThan(0);
  expect(Math.max(...latencies), `slowest /health of ${latencies.length}: ${latencies.map(Math.round).join(", ")} ms`).toBeLessThan(HEALTH_LIMIT_MS);
}

/** Polls the caller's jobs until the auto_link job of `memoryId` is completed or failed. */
async function autoLinkJob(c: Client, memoryId: number): Promise<{ status: string; error: string | null; result: any }> {
  for (;;) {
    const jobs = (await c.get("/jobs?type=auto_link&limit=1000")).body.jobs as { status: string; error: string | null; result: any; payload: { memoryId: number } }[];
    const job = jobs.find((j) => j.payload.memoryId === memoryId);
    if (job && (job.status === "completed" || job.status === "failed")) return job;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Runs every path the tests use once on ordinary text, so their first run (loading modules,
 * compiling functions, starting the extraction worker) is not what /health waits behind: the
 * tests measure hostile content, not a cold start, on a machine shared with other work.
 */
async function warmUp(c: Client): Promise<void> {
  const id = await store(c, "Warm-up: Alice deploys web-01.example.com with Docker on Fridays");
  await autoLinkJob(c, id);
  expect((await c.post("/search", { query: "who deploys web-01" })).status).toBe(200);
  expect((await c.post("/context", { query: "deploys" })).status).toBe(200);
  expect((await c.post("/entities", { name: "Warm-up" })).status).toBe(201);
}

async function store(c: Client, content: string): Promise<number> {
  const res = await c.post("/store", { content });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

describe("hostile memories, /health from another client", () => {
  let server: RunningServer;
  let c: Client;

  beforeAll(async () => {
    server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_PAGERANK_ENABLED: "0" });
    c = api(server.url, await bootstrap(server.url));
    await warmUp(c);
  });
  afterAll(() => server.stop());

  it('entity extraction: the auto_link job and POST /entities over "b." × 51,200 (finding 3)', async () => {
    const { result, latencies } = await whileHealthWatched(server.url, async () => {
      const id = await store(c, HOSTNAME_BAIT);
      const job = await autoLinkJob(c, id);
      // FTS finds the memory by the phrase "b b"; extraction must then read it to confirm.
      const declared = await c.post("/entities", { name: "b.b", entity_type: "other" });
      return { id, job, declared };
    });
    expectLive(latencies);
    expect(result.job).toMatchObject({ status: "completed", error: null, result: { entities: 0 } });
    // The declared name is found in the hostile memory (its first "b.b"), so the memory is linked.
    expect(result.declared.status, JSON.stringify(result.declared.body)).toBe(201);
    const named = await c.get(`/entities/${result.declared.body.id}/memories`);
    expect(named.body.memory_ids).toEqual([result.id]);
  });

  it('/search for "hello Zed" over "hello " + "aé" × 34,000 (finding 5)', async () => {
    const id = await store(c, NAME_BAIT);
    // Each query is new, so the ranking cache cannot answer it: every search scans again.
    const { result, latencies } = await whileHealthWatched(server.url, async () => {
      const answers = [];
      for (const query of ["hello Zed", "hello Zed Ann", "hello Zed Bo", "hello Zed Cy"]) answers.push(await c.post("/search", { query }));
      return answers;
    });
    expectLive(latencies);
    for (const res of result) {
      expect(res.status).toBe(200);
      expect(res.body.results.map((r: { id: number }) => r.id)).toContain(id);
    }
  });

  it("/context over ten 100 KB memories without spaces (finding 4)", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) {
      // A different letter pair per memory, so none is a SimHash near-duplicate of another.
      ids.push(await store(c, `release ${`${String.fromCharCode(97 + i)}é`.repeat(34_000)}`));
    }
    const note = await store(c, "The release checklist lives in the wiki under Operations");
    const { result, latencies } = await whileHealthWatched(server.url, () => c.post("/context", { query: "release", max_tokens: 8000 }));
    expectLive(latencies);
    expect(result.status, JSON.stringify(result.body).slice(0, 300)).toBe(200);
    const shown = result.body.blocks.map((b: { id: number }) => b.id);
    // A 100 KB memory cannot fit 8,000 tokens; the ordinary note can.
    expect(shown).toContain(note);
    for (const id of ids) expect(shown).not.toContain(id);
    expect(result.body.token_estimate).toBeLessThanOrEqual(8000);
    expect(countTokens(result.body.context)).toBe(result.body.token_estimate);
  });
});

describe("JSON bodies nested deep (audit: parsing large bodies)", () => {
  let server: RunningServer;
  let c: Client;

  beforeAll(async () => {
    server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_PAGERANK_ENABLED: "0" });
    c = api(server.url, await bootstrap(server.url));
    await c.post("/store", { content: "warm-up" });
  });
  afterAll(() => server.stop());

  it("are refused before they are parsed, and /health keeps answering", async () => {
    // 800 KB, under the 1 MB body limit; parsing it costs the event loop far more than flat JSON.
    const deep = `{"content": ${"[".repeat(400_000)}${"]".repeat(400_000)}}`;
    const { result, latencies } = await whileHealthWatched(server.url, async () => {
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await c.raw("POST", "/store", deep, { "content-type": "application/json" }));
      return answers;
    });
    expectLive(latencies);
    for (const res of result) expect(res).toMatchObject({ status: 400, body: { error: "body: JSON nested deeper than 32 levels" } });
    // Brackets inside strings are text, and ordinary bodies pass.
    expect((await c.post("/store", { content: `${"[".repeat(100)} a note with brackets` })).status).toBe(201);
  });
});

describe("entity extraction past its time limit", () => {
  let server: RunningServer;
  let c: Client;

  beforeAll(async () => {
    // 1 ms: no task can finish (starting the worker alone takes longer), so every one times out.
    server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_PAGERANK_ENABLED: "0", ENGRAM_ENTITY_TIMEOUT_MS: "1", ENGRAM_JOB_MAX_ATTEMPTS: "1" });
    c = api(server.url, await bootstrap(server.url));
  });
  afterAll(() => server.stop());

  const limitError = "entity extraction did not finish within 1 ms (ENGRAM_ENTITY_TIMEOUT_MS); its worker was stopped";

  it("the auto_link job fails with the reason, and the server stays up", async () => {
    const id = await store(c, "Alice moved the billing database to db-02.internal");
    const job = await autoLinkJob(c, id);
    expect(job).toMatchObject({ status: "failed", error: limitError });
    expect((await c.get(`/memory/${id}/entities`)).body.entities).toEqual([]);
    expect(await healthOnce(server.url)).toBeLessThan(HEALTH_LIMIT_MS);
  });

  it("POST /entities answers 503 with the reason and declares nothing", async () => {
    await store(c, "The Atlas pipeline runs nightly");
    const res = await c.post("/entities", { name: "Atlas" });
    expect(res).toMatchObject({ status: 503, body: { error: limitError } });
    expect((await c.get("/entities")).body.entities).toEqual([]);
  });
});
