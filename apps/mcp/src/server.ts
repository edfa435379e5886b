import { readFileSync } from "node:fs";
import { EngramClient } from "@engram/client";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { registerPrompts } from "./prompts.js";
import { registerResources } from "./resources.js";
import { registerTools } from "./tools.js";
import type { Toolset } from "./toolsets.js";

export const { version: VERSION } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

const INSTRUCTIONS =
  "engram is your long-term memory across sessions. At the start of a task, call memory_context (or memory_search) to load what is known. " +
  "Store durable facts, decisions, preferences and rules with memory_store as you learn them; correct wrong ones with memory_update or memory_forget. " +
  "Before consequential actions, call memory_guard and respect a block.";

export interface EngramConnection {
  engramUrl: string;
  apiKey: string | undefined;
  /** Whose tools are listed (ENGRAM_MCP_TOOLSETS). */
  toolsets: ReadonlySet<Toolset>;
}

/** One MCP server bound to one engram-server identity: the key decides whose memories the tools see. */
export function createMcpServer(conn: EngramConnection, onToolCall?: () => void): McpServer {
  const client = new EngramClient({ baseUrl: conn.engramUrl, apiKey: conn.apiKey });
  const server = new McpServer({ name: "engram", title: "Engram memory", version: VERSION }, { instructions: INSTRUCTIONS });
  registerTools(server, client, conn.toolsets, onToolCall);
  registerResources(server, client);
  registerPrompts(server, client);
  return server;
}
