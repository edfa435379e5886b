import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, type RunningServer } from "../../../test/support/server.js";
import { newTenant } from "../../../test/support/tenants.js";
import { connectHttp, INITIALIZE, ok, rawPost, rawRequest, startHttpMcp, type HttpMcp } from "./mcp-process.js";

/**
 * What an engram-mcp --http session costs and who gets one: the built binary against a real
 * engram-server. The number of sessions open is read from the binary's GET /health.
 */

let server: RunningServer;
let adminKey: string;
const userKeys: string[] = [];

beforeAll(async () => {
  // Concurrent checks of one key share a request only while it is in flight: on a fast machine many of the
  // 500 made-up keys reach engram-server, whose own failed-auth limit (30 a minute per address) is not under test here.
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none", ENGRAM_AUTH_FAILURES_PER_MINUTE: "100000" });
  adminKey = await bootstrap(server.url);
  for (const username of ["bob", "carol"]) {
    userKeys.push((await newTenant(server.url, api(server.url, adminKey), username, "read")).key);
  }
});
afterAll(() => server?.stop());

const running: HttpMcp[] = [];
afterEach(async () => {
  for (const m of running.splice(0)) await m.stop();
});
async function mcpWith(env: Record<string, string>, args: string[] = []): Promise<HttpMcp> {
  const m = await startHttpMcp({ ENGRAM_URL: server.url, ENGRAM_API_KEY: adminKey, ...env }, args);
  running.push(m);
  return m;
}

const initializeAs = (mcp: HttpMcp, key: string) => rawPost(mcp.url, { host: new URL(mcp.url).host.replace("0.0.0.0", "127.0.0.1"), authorization: `Bearer ${key}` }, INITIALIZE);
const rpcError = (body: string) => (JSON.parse(body) as { error: { message: string } }).error.message;

describe("a session only for a key engram-server accepts", () => {
  it("500 initialize calls with a made-up bearer key on a network address keep no session", async () => {
    const mcp = await mcpWith({}, ["--host", "0.0.0.0"]);
    const statuses = new Map<number, number>();
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(Array.from({ length: 25 }, () => initializeAs(mcp, "not-a-real-key")));
      for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      expect(rpcError(answers[0]!.body)).toBe("engram-server refused the key: invalid API key");
    }
    expect(Object.fromEntries(statuses)).toEqual({ 401: 500 });
    expect(await mcp.sessions()).toBe(0);

    // A real key still gets its session, and /health counts it.
    const { client } = await connectHttp(mcp.url.replace("0.0.0.0", "127.0.0.1"), { authorization: `Bearer ${adminKey}` });
    try {
      expect(await ok(client, "memory_list", {})).toMatchObject({ results: [] });
      expect(await mcp.sessions()).toBe(1);
    } finally {
      await client.close();
    }
  });

  it("a key with only the read scope is a real key", async () => {
    const mcp = await mcpWith({});
    expect((await initializeAs(mcp, userKeys[0]!)).status).toBe(200);
    expect(await mcp.sessions()).toBe(1);
  });

  it("keeps nothing and answers 503 when engram-server cannot be asked", async () => {
    const mcp = await mcpWith({ ENGRAM_URL: "http://127.0.0.1:9" });
    const r = await initializeAs(mcp, adminKey);
    expect(r.status).toBe(503);
    expect(rpcError(r.body)).toMatch(/^cannot check the key with engram-server: cannot reach engram-server at http:\/\/127\.0\.0\.1:9/);
    expect(await mcp.sessions()).toBe(0);
  });
});

describe("session caps", () => {
  it("refuses a key's session past ENGRAM_MCP_MAX_SESSIONS_PER_KEY with 429, and any past ENGRAM_MCP_MAX_SESSIONS with 503", async () => {
    const mcp = await mcpWith({ ENGRAM_MCP_MAX_SESSIONS: "3", ENGRAM_MCP_MAX_SESSIONS_PER_KEY: "2" });
    const first = await connectHttp(mcp.url, { authorization: `Bearer ${adminKey}` });
    expect((await initializeAs(mcp, adminKey)).status).toBe(200);
    const third = await initializeAs(mcp, adminKey);
    expect(third.status).toBe(429);
    expect(rpcError(third.body)).toBe("this key already has 2 MCP sessions open; end one (DELETE with its Mcp-Session-Id) or wait until an idle one is closed");
    expect(Number(third.headers["retry-after"])).toBeGreaterThanOrEqual(1);

    expect((await initializeAs(mcp, userKeys[0]!)).status).toBe(200);
    const fourth = await initializeAs(mcp, userKeys[1]!);
    expect(fourth.status).toBe(503);
    expect(rpcError(fourth.body)).toBe("engram-mcp has 3 sessions open, its limit; try again once an idle one is closed");
    expect(await mcp.sessions()).toBe(3);

    // Ending a session frees its place.
    await first.transport.terminateSession();
    await first.client.close();
    expect(await mcp.sessions()).toBe(2);
    expect((await initializeAs(mcp, adminKey)).status).toBe(200);
  });

  it("holds to the per-key cap when initialize calls race", async () => {
    const mcp = await mcpWith({ ENGRAM_MCP_MAX_SESSIONS_PER_KEY: "2" });
    const answers = await Promise.all(Array.from({ length: 12 }, () => initializeAs(mcp, userKeys[1]!)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, ...Array(10).fill(429)]);
    expect(await mcp.sessions()).toBe(2);
  });
});

describe("idle sessions", () => {
  it("closes a session that never called a tool after ENGRAM_MCP_UNUSED_SESSION_IDLE_SECS, and keeps one that did", async () => {
    const mcp = await mcpWith({ ENGRAM_MCP_UNUSED_SESSION_IDLE_SECS: "1" });
    const used = await connectHttp(mcp.url);
    const idle = await connectHttp(mcp.url);
    try {
      // The used session's last request comes first: had it the short idle time too, it would be closed first.
      await ok(used.client, "memory_list", {});
      await idle.client.listTools();
      const idleId = idle.transport.sessionId!;
      await mcp.waitForStderr(/closed a session idle for 1 s that never called a tool/);

      const gone = await rawPost(mcp.url, { host: new URL(mcp.url).host, "mcp-session-id": idleId, "mcp-protocol-version": "2025-06-18" }, { jsonrpc: "2.0", id: 9, method: "tools/list", params: {} });
      expect(gone.status).toBe(404);
      expect(await mcp.sessions()).toBe(1);
      expect(await ok(used.client, "memory_list", {})).toMatchObject({ results: expect.any(Array) });
      expect(mcp.stderr().match(/closed a session idle/g)).toHaveLength(1);
    } finally {
      await used.client.close();
      await idle.client.close();
    }
  });
});

describe("configuration", () => {
  it("refuses a bad limit with exit 2, naming the variable", async () => {
    await expect(startHttpMcp({ ENGRAM_URL: server.url, ENGRAM_MCP_MAX_SESSIONS_PER_KEY: "0" })).rejects.toThrow(
      /exited with 2[\s\S]*ENGRAM_MCP_MAX_SESSIONS_PER_KEY must be an integer from 1 to 100000, got "0"/,
    );
  });

  it("answers GET /health on loopback names only", async () => {
    const mcp = await mcpWith({});
    const port = new URL(mcp.url).port;
    const health = mcp.url.replace(/\/mcp$/, "/health");
    expect(await rawRequest("GET", health, { host: `localhost:${port}` })).toMatchObject({ status: 200, body: JSON.stringify({ status: "ok", sessions: 0 }) });
    expect((await rawRequest("GET", health, { host: `evil.example:${port}` })).status).toBe(403);
  });
});
