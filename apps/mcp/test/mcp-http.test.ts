import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, type RunningServer } from "../../../test/support/server.js";
import { newTenant } from "../../../test/support/tenants.js";
import { connectHttp, INITIALIZE, ok, rawPost, startHttpMcp, toolError, type HttpMcp } from "./mcp-process.js";

/**
 * engram-mcp --http: the built binary serves MCP over streamable HTTP; the SDK's
 * StreamableHTTPClientTransport drives it, against a real engram-server.
 */

const NO_EMBEDDINGS = { ENGRAM_EMBEDDING_PROVIDER: "none" };

describe("engram-mcp --http against a running engram-server", () => {
  let server: RunningServer;
  let adminKey: string;
  let bobKey: string;
  let mcp: HttpMcp;

  beforeAll(async () => {
    server = await startServer(NO_EMBEDDINGS);
    adminKey = await bootstrap(server.url);
    bobKey = (await newTenant(server.url, api(server.url, adminKey), "bob")).key;
    mcp = await startHttpMcp({ ENGRAM_URL: server.url, ENGRAM_API_KEY: adminKey });
  });
  afterAll(async () => {
    await mcp?.stop();
    await server?.stop();
  });

  it("listens on loopback at /mcp", () => {
    expect(mcp.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  });

  it("lists tools, stores and searches with the configured key", async () => {
    const { client } = await connectHttp(mcp.url);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(["memory_store", "memory_search", "memory_context"]));

      const stored = await ok(client, "memory_store", { content: "the VPN config lives in the ops vault", tags: ["vpn"] });
      expect((await api(server.url, adminKey).get(`/memory/${stored.id}`)).body).toMatchObject({ source: "mcp", tags: ["vpn"] });
      const found = await ok(client, "memory.search", { query: "VPN config" });
      expect(found.results.map((r: { id: number }) => r.id)).toContain(stored.id);
      expect(await toolError(client, "memory_store", { content: "x", importance: 0 })).toMatch(/importance/);
    } finally {
      await client.close();
    }
  });

  it("a client's own Bearer key is forwarded: it acts as that engram user", async () => {
    const { client } = await connectHttp(mcp.url, { authorization: `Bearer ${bobKey}` });
    try {
      const stored = await ok(client, "memory_store", { content: "bob's locker code is 4411" });
      expect((await api(server.url, bobKey).get(`/memory/${stored.id}`)).status).toBe(200);
      expect((await api(server.url, adminKey).get(`/memory/${stored.id}`)).status).toBe(404);
      expect((await ok(client, "memory_search", { query: "VPN config" })).results).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it("a key engram-server refuses cannot open a session, on loopback too; a header that is not Bearer is refused up front", async () => {
    const refused = await rawPost(mcp.url, { host: new URL(mcp.url).host, authorization: "Bearer engram_00000000000000000000000000000000" }, INITIALIZE);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toEqual({ jsonrpc: "2.0", error: { code: -32000, message: "engram-server refused the key: invalid API key" }, id: null });
    await expect(connectHttp(mcp.url, { authorization: "Bearer engram_00000000000000000000000000000000" })).rejects.toThrow(/refused the key/);
    await expect(connectHttp(mcp.url, { authorization: "Basic Ym9iOnB3" })).rejects.toThrow(/Bearer/);
  });

  it("a session belongs to the credential that opened it", async () => {
    const { client, transport } = await connectHttp(mcp.url, { authorization: `Bearer ${bobKey}` });
    try {
      const host = new URL(mcp.url).host;
      const list = { jsonrpc: "2.0", id: 2, method: "tools/list", params: {} };
      const stolen = await rawPost(mcp.url, { host, "mcp-session-id": transport.sessionId!, "mcp-protocol-version": "2025-06-18" }, list);
      expect(stolen.status).toBe(404);
      expect(stolen.body).toContain("session not found");
    } finally {
      await client.close();
    }
  });

  it("a terminated session is gone", async () => {
    const { client, transport } = await connectHttp(mcp.url);
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    await client.close();
    const r = await rawPost(mcp.url, { host: new URL(mcp.url).host, "mcp-session-id": sessionId }, { jsonrpc: "2.0", id: 2, method: "tools/list", params: {} });
    expect(r.status).toBe(404);
  });

  it("refuses a foreign Host or Origin (DNS rebinding) and unknown paths", async () => {
    const port = new URL(mcp.url).port;
    const rebound = await rawPost(mcp.url, { host: `evil.example:${port}` }, INITIALIZE);
    expect(rebound.status).toBe(403);
    expect(rebound.body).toContain("loopback");
    const fromPage = await rawPost(mcp.url, { host: `127.0.0.1:${port}`, origin: "https://evil.example" }, INITIALIZE);
    expect(fromPage.status).toBe(403);
    const local = await rawPost(mcp.url, { host: `localhost:${port}`, origin: `http://localhost:${port}` }, INITIALIZE);
    expect(local.status).toBe(200);
    const elsewhere = await rawPost(mcp.url.replace(/\/mcp$/, "/other"), { host: `127.0.0.1:${port}` }, INITIALIZE);
    expect(elsewhere.status).toBe(404);
  });

  it("a request that does not initialize cannot open a session", async () => {
    const r = await rawPost(mcp.url, { host: new URL(mcp.url).host }, { jsonrpc: "2.0", id: 1, method: "tools/list", params: {} });
    expect(r.status).toBe(400);
  });
});

describe("engram-mcp --http on a network address", () => {
  let server: RunningServer;
  let adminKey: string;
  let mcp: HttpMcp;

  beforeAll(async () => {
    server = await startServer(NO_EMBEDDINGS);
    adminKey = await bootstrap(server.url);
    mcp = await startHttpMcp({ ENGRAM_URL: server.url, ENGRAM_API_KEY: adminKey }, ["--host", "0.0.0.0"]);
  });
  afterAll(async () => {
    await mcp?.stop();
    await server?.stop();
  });

  it("never lends the configured key: a client must bring its own", async () => {
    const local = mcp.url.replace("0.0.0.0", "127.0.0.1");
    await expect(connectHttp(local)).rejects.toThrow(/Authorization: Bearer/);
    const { client } = await connectHttp(local, { authorization: `Bearer ${adminKey}` });
    try {
      expect(await ok(client, "memory_list", {})).toMatchObject({ results: [] });
    } finally {
      await client.close();
    }
  });
});

describe("engram-mcp --http lifecycle", () => {
  it("exits 0 on SIGTERM", async () => {
    const mcp = await startHttpMcp({ ENGRAM_URL: "http://127.0.0.1:9" });
    expect(await mcp.stop()).toBe(0);
  });
});
