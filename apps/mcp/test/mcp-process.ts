import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { expect } from "vitest";
import { ROOT } from "../../../test/support/server.js";

/** Drives the BUILT engram-mcp binary the way MCP clients do: spawned over stdio, or as an HTTP server. */

export const MCP_BIN = path.join(ROOT, "apps/mcp/bin/engram-mcp.js");

export interface StdioSession {
  client: Client;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  close(): Promise<void>;
}

/** Only the given ENGRAM_* variables reach the server (the SDK adds PATH, HOME and the like). */
export async function connectStdio(env: Record<string, string>): Promise<StdioSession> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [MCP_BIN], env, stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  const client = new Client({ name: "engram-mcp-test", version: "0.0.0" });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

export interface HttpMcp {
  /** e.g. http://127.0.0.1:41234/mcp */
  url: string;
  proc: ChildProcess;
  stderr(): string;
  /** Resolves when stderr (from the start) matches, as soon as the line arrives; rejects if the process exits first. */
  waitForStderr(pattern: RegExp): Promise<void>;
  /** GET /health: the number of sessions open. */
  sessions(): Promise<number>;
  stop(): Promise<number | null>;
}

/** Starts `engram-mcp --http --port 0 ...` and resolves with the URL it announces on stderr. */
export async function startHttpMcp(env: Record<string, string>, args: string[] = []): Promise<HttpMcp> {
  const proc = spawn(process.execPath, [MCP_BIN, "--http", "--port", "0", ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    proc.stderr!.on("data", (c: Buffer) => {
      stderr += c.toString();
      const m = /listening on (\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    proc.once("exit", (code) => reject(new Error(`engram-mcp exited with ${code} before listening:\n${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const waitForStderr = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(stderr)) return;
        proc.stderr!.off("data", check);
        resolve();
      };
      proc.stderr!.on("data", check);
      void exited.then(() => reject(new Error(`engram-mcp exited before printing ${pattern}:\n${stderr}`)));
      check();
    });
  return {
    url,
    proc,
    stderr: () => stderr,
    waitForStderr,
    sessions: async () => {
      const h = await rawRequest("GET", url.replace(/\/mcp$/, "/health"), { host: new URL(url).host.replace("0.0.0.0", "127.0.0.1") });
      expect(h.status).toBe(200);
      return (JSON.parse(h.body) as { sessions: number }).sessions;
    },
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      return exited;
    },
  };
}

/** A JSON-RPC initialize request, as a client's first POST sends it. */
export const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
};

/** A raw request, for what fetch will not send (a forged Host header). */
export function rawRequest(method: string, url: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url.replace("0.0.0.0", "127.0.0.1"), { method, headers }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** A raw JSON-RPC POST as MCP clients send it. */
export function rawPost(url: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return rawRequest("POST", url, { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, body);
}

export async function connectHttp(url: string, headers: Record<string, string> = {}): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client({ name: "engram-mcp-test", version: "0.0.0" });
  await client.connect(transport);
  return { client, transport };
}

interface ToolResult {
  isError?: boolean;
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
}

export async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}

/** A successful call's structured answer (the server's JSON response). */
export async function ok<T = any>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const r = await callTool(client, name, args);
  expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
  const structured = r.structuredContent as Record<string, unknown>;
  expect(structured).toBeDefined();
  // The text is what most clients show the model: the same JSON, or for context the assembled text itself.
  const text = r.content[0]?.text ?? "";
  if (name.endsWith("context")) expect(text).toBe(structured.context || "No relevant memories.");
  else expect(JSON.parse(text)).toEqual(structured);
  return structured as T;
}

/** A failed call's text, after checking it failed as a tool error (not a protocol error). */
export async function toolError(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const r = await callTool(client, name, args);
  expect(r.isError, JSON.stringify(r.content)).toBe(true);
  expect(r.content).toHaveLength(1);
  return r.content[0]!.text ?? "";
}
