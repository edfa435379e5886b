import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isLoopbackHost } from "./config.js";
import { createMcpServer } from "./server.js";

export const MCP_PATH = "/mcp";

/** A session nobody has used for this long is closed: clients that vanish without a DELETE must not pile up. */
const SESSION_IDLE_MS = 60 * 60_000;
const SWEEP_EVERY_MS = 60_000;

export interface HttpOptions {
  host: string;
  port: number;
  engramUrl: string;
  apiKey: string | undefined;
  log: (line: string) => void;
}

export interface RunningHttp {
  url: string;
  close(): Promise<void>;
}

interface Session {
  server: McpServer;
  transport: StreamableHTTPServerTransport;
  /** The Authorization header the session was opened with; later requests must repeat it. */
  authorization: string | undefined;
  lastSeen: number;
}

/**
 * MCP over streamable HTTP at /mcp, one MCP session per client, each with its own engram
 * identity: the `Authorization: Bearer <engram key>` the client sends is forwarded to
 * engram-server, so every client gets its own tenancy and audit trail. Without that header
 * the configured key (ENGRAM_MCP_BEARER_TOKEN / ENGRAM_API_KEY) is used, but only on a
 * loopback bind: on a network-facing address the configured key is never lent to whoever
 * connects, and each client must bring its own.
 *
 * On loopback, requests whose Host or Origin is not a loopback name are refused, so a web
 * page cannot reach the server through DNS rebinding.
 */
export async function serveHttp(opts: HttpOptions): Promise<RunningHttp> {
  const loopback = isLoopbackHost(opts.host);
  const sessions = new Map<string, Session>();

  const closeSession = async (id: string) => {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    await s.server.close().catch(() => {});
  };

  const openSession = async (req: http.IncomingMessage, res: http.ServerResponse, authorization: string | undefined) => {
    if (authorization === undefined && !loopback) {
      return reply(res, 401, "this MCP server listens on the network: send `Authorization: Bearer <engram API key>`");
    }
    const key = authorization === undefined ? opts.apiKey : bearerToken(authorization);
    if (key === null) return reply(res, 401, "Authorization must be `Bearer <engram API key>`");
    const server = createMcpServer({ engramUrl: opts.engramUrl, apiKey: key });
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        sessions.set(id, { server, transport, authorization, lastSeen: Date.now() });
      },
      onsessionclosed: (id) => closeSession(id),
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
    // Anything but an initialize request was refused by the transport: there is nothing to keep.
    if (transport.sessionId === undefined) await server.close();
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== MCP_PATH) return reply(res, 404, `not found: the MCP endpoint is ${MCP_PATH}`);
    if (loopback && !(loopbackHostHeader(req.headers.host) && loopbackOrigin(req.headers.origin))) {
      return reply(res, 403, "Host and Origin must be a loopback address");
    }
    const authorization = req.headers.authorization;
    const sessionId = req.headers["mcp-session-id"];
    if (typeof sessionId === "string") {
      const s = sessions.get(sessionId);
      // Another credential's session is answered like a missing one: a session id alone grants nothing.
      if (!s || s.authorization !== authorization) return reply(res, 404, "session not found; start a new one with initialize");
      s.lastSeen = Date.now();
      return s.transport.handleRequest(req, res);
    }
    return openSession(req, res, authorization);
  };

  const httpServer = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.log(`engram-mcp: request failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      if (!res.headersSent) reply(res, 500, "internal error");
      else res.end();
    });
  });

  const sweep = setInterval(() => {
    const cutoff = Date.now() - SESSION_IDLE_MS;
    for (const [id, s] of sessions) if (s.lastSeen < cutoff) void closeSession(id);
  }, SWEEP_EVERY_MS);
  sweep.unref();

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(opts.port, opts.host, () => {
      httpServer.off("error", reject);
      resolve();
    });
  });
  const { port } = httpServer.address() as AddressInfo;
  const hostPart = opts.host.includes(":") && !opts.host.startsWith("[") ? `[${opts.host}]` : opts.host;

  return {
    url: `http://${hostPart}:${port}${MCP_PATH}`,
    close: async () => {
      clearInterval(sweep);
      await Promise.all([...sessions.keys()].map(closeSession));
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
    },
  };
}

/** The key of `Bearer <key>`, or null for any other shape of header. */
function bearerToken(header: string): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

function hostnameOf(hostHeader: string): string | undefined {
  try {
    return new URL(`http://${hostHeader}`).hostname;
  } catch {
    return undefined;
  }
}

function loopbackHostHeader(host: string | undefined): boolean {
  const name = host === undefined ? undefined : hostnameOf(host);
  return name !== undefined && isLoopbackHost(name);
}

/** Browsers send Origin; other clients usually do not, and need none. */
function loopbackOrigin(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    return isLoopbackHost(new URL(origin).hostname);
  } catch {
    return false;
  }
}

/** Errors outside a session are JSON-RPC error objects, the shape MCP clients parse. */
function reply(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }));
}
