import { EngramApiError, type EngramClient, type Memory } from "@engram/client";
import { ResourceTemplate, type McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ErrorCode, type ReadResourceResult, type Resource } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { errorMessage, ProtocolError } from "./results.js";

/**
 * Resources let a client attach memories to a conversation without a tool call:
 * engram://memories/recent (the newest ones) and engram://memory/{id} (one, browsable).
 */

export const RECENT_URI = "engram://memories/recent";
export const RECENT_LIMIT = 20;
const memoryUri = (id: number) => `engram://memory/${id}`;

const idVariable = z.coerce.number().int().positive();
const PREVIEW_CHARS = 80;

/** Resource reads have no error result like tools: failures are protocol errors with the server's message. */
function readError(err: unknown): ProtocolError {
  const clientFault = err instanceof EngramApiError && (err.status === 400 || err.status === 404);
  return new ProtocolError(clientFault ? ErrorCode.InvalidParams : ErrorCode.InternalError, errorMessage(err));
}

function json(uri: string, data: unknown): ReadResourceResult {
  return { contents: [{ uri, mimeType: "application/json", text: JSON.stringify(data, null, 2) }] };
}

function listing(m: Memory): Resource {
  const flat = m.content.replace(/\s+/g, " ").trim();
  return {
    uri: memoryUri(m.id),
    name: `memory #${m.id} [${m.category}]`,
    description: flat.length > PREVIEW_CHARS ? `${flat.slice(0, PREVIEW_CHARS - 1)}…` : flat,
    mimeType: "application/json",
  };
}

export function registerResources(server: McpServer, client: EngramClient): void {
  server.registerResource(
    "recent-memories",
    RECENT_URI,
    { title: "Recent memories", description: `Your ${RECENT_LIMIT} newest memories, newest first`, mimeType: "application/json" },
    async (uri) => {
      try {
        return json(uri.href, (await client.list({ limit: RECENT_LIMIT })).results);
      } catch (err) {
        throw readError(err);
      }
    },
  );

  server.registerResource(
    "memory",
    new ResourceTemplate("engram://memory/{id}", {
      // Listing the template offers the recent memories; any other id can still be read by URI.
      list: async () => {
        try {
          return { resources: (await client.list({ limit: RECENT_LIMIT })).results.map(listing) };
        } catch (err) {
          throw readError(err);
        }
      },
    }),
    { title: "A memory", description: "One memory by id, in full", mimeType: "application/json" },
    async (uri, variables) => {
      const parsed = idVariable.safeParse(variables.id);
      if (!parsed.success) throw new ProtocolError(ErrorCode.InvalidParams, `${uri.href}: the id must be a positive integer`);
      try {
        return json(uri.href, await client.get(parsed.data));
      } catch (err) {
        throw readError(err);
      }
    },
  );
}
