import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { isLoopbackHost, isLoopbackHostHeader, isLoopbackOrigin } from "@engram/client";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { KeyCheck, keyId } from "./key-check.js";
import { createMcpServer } from "./server.js";
import type { Toolset } from "./toolsets.js";
import { SessionTable, type SessionLimits } from "./sessions.js";

export const MCP_PATH = "/mcp";
const HEALTH_PATH = "/health";

export interface HttpOptions {
  host: string;
  port: number;
  engramUrl: string;
  apiKey: string | undefined;
  toolsets: ReadonlySet<Toolset>;
  sessions: SessionLimits;
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
}

/**
 * MCP over streamable HTTP at /mcp, one MCP session per client, each with its own engram
 * identity: the `Authorization: Bearer <engram key>` the client sends is forwarded to
 * engram-server, so every client gets its own tenancy and audit trail. Without that header
 * the configured key (ENGRAM_MCP_BEARER_TOKEN / ENGRAM_API_KEY) is used, but only on a
 * loopback bind: on a network-facing address the configured key is never lent to whoever
 * connects, and each client must bring its own.
 *
 * A session is kept only for a key engram-server accepts (key-check.ts), within the caps and
 * idle times of sessions.ts; `GET /health` answers `{status, sessions}` with the number open.
 *
 * On loopback, requests whose Host or Origin is not a loopback name are refused, so a web
 * page cannot reach the server through DNS rebinding.
 */
export async function serveHttp(opts: HttpOptions): Promise<RunningHttp> {
  const loopback = isLoopbackHost(opts.host);
  const keys = new KeyCheck(opts.engramUrl);
  const sessions = new SessionTable<Session>(opts.sessions, (_id, s, used) => {
    opts.log(`engram-mcp: closed a session idle for ${(used ? opts.sessions.idleMs : opts.sessions.unusedIdleMs) / 1000} s${used ? "" : " that never called a tool"}`);
    void s.server.close().catch(() => {});
  });

  const closeSession = async (id: string) => {
    const s = sessions.delete(id);
    if (s) await s.server.close().catch(() => {});
  };

  const openSession = async (req: http.IncomingMessage, res: http.ServerResponse, authorization: string | undefined) => {
    if (authorization === undefined && !loopback) {
      return reply(res, 401, "this MCP server listens on the network: send `Authorization: Bearer <engram API key>`");
    }
    const key = authorization === undefined ? opts.apiKey : bearerToken(authorization);
    if (key === null) return reply(res, 401, "Authorization must be `Bearer <engram API key>`");
    // Checked before anything is held: a made-up key must cost no memory and no place under the caps.
    const verdict = await keys.check(key);
    if (!verdict.ok) return reply(res, verdict.status, verdict.message);
    const id = keyId(key);
    const slot = sessions.reserve(id);
    if (!("release" in slot)) return reply(res, slot.status, slot.message, { "retry-after": String(slot.retryAfterSecs) });
    try {
      let sessionId: string | undefined;
      const server = createMcpServer({ engramUrl: opts.engramUrl, apiKey: key, toolsets: opts.toolsets }, () => {
        if (sessionId !== undefined) sessions.markUsed(sessionId);
      });
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (newId) => {
          sessionId = newId;
          sessions.add(newId, id, { server, transport, authorization });
          slot.release();
        },
        onsessionclosed: (closedId) => closeSession(closedId),
      });
      await server.connect(transport);
      await transport.handleRequest(req, res);
      // Anything but an initialize request was refused by the transport: there is nothing to keep.
      if (transport.sessionId === undefined) await server.close();
    } finally {
      slot.release();
    }
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== MCP_PATH && path !== HEALTH_PATH) return reply(res, 404, `not found: the MCP endpoint is ${MCP_PATH}`);
    if (loopback && !(isLoopbackHostHeader(req.headers.host) && isLoopbackOrigin(req.headers.origin))) {
      return reply(res, 403, "Host and Origin must be a loopback address");
    }
    if (path === HEALTH_PATH) {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ status: "ok", sessions: sessions.size }));
    }
    const authorization = req.headers.authorization;
    const sessionId = req.headers["mcp-session-id"];
    if (typeof sessionId === "string") {
      const s = sessions.get(sessionId);
      // Another credential's session is answered like a missing one: a session id alone grants nothing.
      if (!s || s.authorization !== authorization) return reply(res, 404, "session not found; start a new one with initialize");
      sessions.touch(sessionId);
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
      await Promise.all(sessions.ids().map(closeSession));
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

/** Errors outside a session are JSON-RPC error objects, the shape MCP clients parse. */
function reply(res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }));
}
