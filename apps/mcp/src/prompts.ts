import type { EngramClient } from "@engram/client";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ErrorCode } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { errorMessage, ProtocolError } from "./results.js";

export const CONTEXT_PROMPT = "engram_context";

/**
 * A prompt that puts what engram knows about a query in front of the query itself, so a
 * client's slash command starts the model off with the relevant memories (POST /context).
 */
export function registerPrompts(server: McpServer, client: EngramClient): void {
  server.registerPrompt(
    CONTEXT_PROMPT,
    {
      title: "Answer with memory",
      description: "Your question, preceded by the memories relevant to it, assembled within a token budget",
      argsSchema: {
        query: z.string().min(1).describe("The question or task"),
        // Prompt arguments are strings on the wire.
        max_tokens: z.string().regex(/^[1-9]\d*$/, "must be a positive integer").optional().describe("Token budget for the memories (default 8000)"),
      },
    },
    async ({ query, max_tokens }) => {
      let context: string;
      try {
        context = (await client.context({ query, max_tokens: max_tokens === undefined ? undefined : Number(max_tokens) })).context;
      } catch (err) {
        throw new ProtocolError(ErrorCode.InternalError, errorMessage(err));
      }
      const known = context.trim()
        ? `Here is what I remember that may be relevant:\n\n${context}`
        : "I have no stored memories relevant to this.";
      return {
        description: `Memories relevant to: ${query}`,
        messages: [{ role: "user", content: { type: "text", text: `${known}\n\n---\n\n${query}` } }],
      };
    },
  );
}
