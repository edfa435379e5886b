import type { McpServer, RegisteredTool } from "@modelcontextprotocol/sdk/server/mcp.js";
import { normalizeObjectSchema } from "@modelcontextprotocol/sdk/server/zod-compat.js";
import { toJsonSchemaCompat } from "@modelcontextprotocol/sdk/server/zod-json-schema-compat.js";
import { ListToolsRequestSchema, type Tool } from "@modelcontextprotocol/sdk/types.js";

const EMPTY_INPUT = { type: "object" as const, properties: {} };

/**
 * Makes `tools/list` answer with `listed` only. Every tool is registered under more names than
 * are listed (its dotted twin, and refusals for tools of disabled toolsets), all callable; the
 * SDK lists every registered name, so its list handler is replaced by one that describes each
 * listed tool the way the SDK does.
 */
export function listOnly(server: McpServer, listed: ReadonlyMap<string, RegisteredTool>): void {
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [...listed].map(([name, tool]): Tool => {
      const input = normalizeObjectSchema(tool.inputSchema);
      return {
        name,
        title: tool.title,
        description: tool.description,
        inputSchema: input ? (toJsonSchemaCompat(input, { strictUnions: true, pipeStrategy: "input" }) as Tool["inputSchema"]) : EMPTY_INPUT,
        annotations: tool.annotations,
        execution: tool.execution,
        _meta: tool._meta,
      };
    }),
  }));
}
