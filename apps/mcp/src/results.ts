import { EngramApiError } from "@engram/client";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

/**
 * A server response as a tool result: the JSON as text, which every client shows to the model,
 * and the same object as structuredContent for clients that read structured results.
 */
export function jsonResult(data: object, text = JSON.stringify(data, null, 2)): CallToolResult {
  return { content: [{ type: "text", text }], structuredContent: data as Record<string, unknown> };
}

/**
 * Every failure as a tool error the model can read and act on, never a protocol error or a
 * crash: the server's own message, with the status so "not found" and "bad input" read apart.
 * An unreachable server (status 0) already says which URL failed and why.
 */
export function errorResult(err: unknown): CallToolResult {
  return { content: [{ type: "text", text: errorMessage(err) }], isError: true };
}

export function errorMessage(err: unknown): string {
  if (err instanceof EngramApiError) {
    return err.status === 0 ? err.message : `engram-server answered ${err.status}: ${err.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * A JSON-RPC error for resource and prompt requests, which have no error result like tools do.
 * Not McpError: that one prefixes "MCP error <code>:" to the message and the client prefixes it
 * again; the SDK only needs `code` and `message` to build the error response.
 */
export class ProtocolError extends Error {
  override name = "ProtocolError";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
