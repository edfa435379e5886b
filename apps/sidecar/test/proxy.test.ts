import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, tempDir, type RunningServer } from "../../../test/support/server.js";
import { memoriesOn, startSidecar, type RunningSidecar } from "./sidecar-process.js";

/**
 * The sidecar as a proxy: the built binary in front of the built engram-server. What the sidecar
 * answers is checked against what the server holds, through the server's own API.
 */

let server: RunningServer;
let key: string;
let sidecar: RunningSidecar;
const direct = () => api(server.url, key);

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
  key = await bootstrap(server.url);
  sidecar = await startSidecar(["--session-id", "proxy-session", "--state-dir", tempDir("engram-sidecar-")], {
    ENGRAM_URL: server.url,
    ENGRAM_API_KEY: key,
  });
});
afterAll(async () => {
  await sidecar?.stop();
  await server?.stop();
});

describe("store", () => {
  it("stores on the server with the server's answer, filed under the sidecar's session", async () => {
    const res = await sidecar.http.post("/store", { content: "The billing service is written in Go", category: "fact", tags: ["Billing"] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ stored: true, tags: ["billing"] });
    const m = (await direct().get(`/memory/${res.body.id}`)).body;
    expect(m).toMatchObject({ content: "The billing service is written in Go", category: "fact", session_id: "proxy-session" });
  });

  it("keeps a session id the caller sent", async () => {
    const res = await sidecar.http.post("/memory", { content: "Mirrors of the wiki live on the nas-04 host", session_id: "other-session" });
    expect(res.status).toBe(201);
    expect((await direct().get(`/memory/${res.body.id}`)).body.session_id).toBe("other-session");
  });

  it("passes a near-duplicate answer through as the server's 200", async () => {
    await sidecar.http.post("/store", { content: "Release trains leave every second Thursday at noon" });
    const dup = await sidecar.http.post("/store", { content: "release trains leave every second thursday, at noon!" });
    expect(dup.status).toBe(200);
    expect(dup.body).toMatchObject({ stored: false, duplicate: true });
  });

  it.each([
    ["missing content", {}, "content: is required"],
    ["blank content", { content: "  \n" }, "content: must not be empty or whitespace"],
    ["importance 2.5", { content: "ok", importance: 2.5 }, "importance: must be an integer"],
    ["importance 11", { content: "ok", importance: 11 }, /^importance: /],
    ["tags as a string", { content: "ok", tags: "a,b" }, /^tags: /],
    ["content over 102400 bytes", { content: "x".repeat(102_401) }, "content: must be at most 102400 bytes"],
    ["an array body", [1, 2], /^body: /],
  ])("refuses %s with a 400 naming the field, storing nothing", async (_label, body, error) => {
    const before = (await memoriesOn(direct())).length;
    const res = await sidecar.http.post("/store", body);
    expect(res.status).toBe(400);
    if (typeof error === "string") expect(res.body.error).toBe(error);
    else expect(res.body.error).toMatch(error);
    expect((await memoriesOn(direct())).length).toBe(before);
  });

  it("refuses malformed JSON with a 400", async () => {
    const res = await sidecar.http.raw("POST", "/store", "{nope", { "content-type": "application/json" });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: "body: malformed JSON" });
  });

  it("passes the server's own 400 through and buffers nothing", async () => {
    const res = await sidecar.http.post("/store", { content: "belongs to a space that does not exist", space_id: 99_999 });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/space_id/);
    expect((await sidecar.http.get("/health")).body.buffer.pending).toBe(0);
  });
});

describe("reads and the session cache", () => {
  it("answers a repeated search from the cache until a write through the sidecar invalidates it", async () => {
    await direct().post("/store", { content: "The quokka cluster runs the nightly batch jobs" });
    const quokkas = (res: { body: { results: { content: string }[] } }) =>
      res.body.results.map((r) => r.content).filter((c) => /quokka/i.test(c)).sort();
    const first = await sidecar.http.post("/search", { query: "quokka cluster", limit: 10 });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-engram-cache")).toBe("miss");
    expect(quokkas(first)).toEqual(["The quokka cluster runs the nightly batch jobs"]);

    // Written behind the sidecar's back: a cached answer cannot know about it.
    await direct().post("/store", { content: "Quokka alerts page the data team, not infra" });
    const again = await sidecar.http.post("/search", { limit: 10, query: "quokka cluster" });
    expect(again.headers.get("x-engram-cache")).toBe("hit");
    expect(again.body).toEqual(first.body);

    const stored = await sidecar.http.post("/store", { content: "The quokka cluster moved to the eu-west region" });
    expect(stored.status).toBe(201);
    const fresh = await sidecar.http.post("/search", { query: "quokka cluster", limit: 10 });
    expect(fresh.headers.get("x-engram-cache")).toBe("miss");
    expect(quokkas(fresh)).toEqual([
      "Quokka alerts page the data team, not infra",
      "The quokka cluster moved to the eu-west region",
      "The quokka cluster runs the nightly batch jobs",
    ]);
    const health = (await sidecar.http.get("/health")).body;
    expect(health.cache.hits).toBeGreaterThanOrEqual(1);
  });

  it("proxies recall, cached the same way", async () => {
    const first = await sidecar.http.post("/recall", { query: "billing service", limit: 5 });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-engram-cache")).toBe("miss");
    expect(first.body.memories.map((m: { content: string }) => m.content)).toContain("The billing service is written in Go");
    const again = await sidecar.http.post("/recall", { query: "billing service", limit: 5 });
    expect(again.headers.get("x-engram-cache")).toBe("hit");
    expect(again.body).toEqual(first.body);
  });

  it("proxies context, cached the same way", async () => {
    const first = await sidecar.http.post("/context", { query: "billing service", max_tokens: 500 });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-engram-cache")).toBe("miss");
    expect(first.body.context).toContain("The billing service is written in Go");
    expect(first.body.token_budget).toBe(500);
    const again = await sidecar.http.post("/context", { max_tokens: 500, query: "billing service" });
    expect(again.headers.get("x-engram-cache")).toBe("hit");
    expect(again.body).toEqual(first.body);
  });

  it("passes the server's 400 for a bad search through, and caches nothing for it", async () => {
    for (let i = 0; i < 2; i++) {
      const res = await sidecar.http.post("/search", { query: "   " });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^query: /);
      expect(res.headers.get("x-engram-cache")).toBeNull();
    }
  });

  it("refuses a read body that is not a JSON object", async () => {
    const res = await sidecar.http.post("/search", "[1]");
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^body: /);
  });
});

describe("health and errors", () => {
  it("reports the session, the server's reachability, the buffer and the cache", async () => {
    const res = await sidecar.http.get("/health");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: "ok",
      session_id: "proxy-session",
      server: { url: server.url, reachable: true },
      buffer: { pending: 0, rejected: 0, last_error: null },
      watcher: null,
    });
    expect(res.body.cache).toMatchObject({ entries: expect.any(Number), hits: expect.any(Number), misses: expect.any(Number) });
  });

  it("answers an unknown route with a 404 in the error shape", async () => {
    const res = await sidecar.http.get("/nope");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: "no route for GET /nope" });
  });

  it("passes the server's 401 through for a bad key, and never buffers it", async () => {
    const badKey = await startSidecar(["--session-id", "bad-key", "--state-dir", tempDir("engram-sidecar-")], {
      ENGRAM_URL: server.url,
      ENGRAM_API_KEY: "engram_00000000000000000000000000000000",
    });
    try {
      const res = await badKey.http.post("/store", { content: "written with a key the server does not know" });
      expect(res.status).toBe(401);
      expect(res.body.error).toEqual(expect.any(String));
      expect((await badKey.http.get("/health")).body.buffer.pending).toBe(0);
      expect((await badKey.http.post("/search", { query: "anything" })).status).toBe(401);
    } finally {
      await badKey.stop();
    }
  });
});

describe("startup", () => {
  it("refuses a second sidecar on the same state dir while the first runs", async () => {
    const dir = tempDir("engram-sidecar-");
    const first = await startSidecar(["--session-id", "lock-a", "--state-dir", dir], { ENGRAM_URL: server.url, ENGRAM_API_KEY: key });
    try {
      await expect(startSidecar(["--session-id", "lock-a", "--state-dir", dir], { ENGRAM_URL: server.url })).rejects.toThrow(
        /exited with 2[\s\S]*is in use by engram-sidecar pid/,
      );
    } finally {
      await first.stop();
    }
    // A clean stop releases the dir.
    const second = await startSidecar(["--session-id", "lock-a", "--state-dir", dir], { ENGRAM_URL: server.url, ENGRAM_API_KEY: key });
    await second.stop();
  });

  it("rejects a session id that is not safe as a directory name", async () => {
    await expect(startSidecar(["--session-id", "../escape"], { ENGRAM_URL: server.url })).rejects.toThrow(/--session-id/);
  });
});
