import { z } from "zod";
import { jsonResult } from "./results.js";
import { READ, spaceId, tool } from "./tool-def.js";

/**
 * The context toolset (contracts/mcp.md §2.2). `context_assemble_context` is POST /context with
 * every option; the reference's options the server does not read yet (depth, include_*, the
 * thresholds) are passed through and ignored there. `context_get_header` is POST /header and
 * `context_generate_prompt` is GET /prompt, each answering the route's JSON unchanged.
 */
export const CONTEXT_TOOLS = [
  tool({
    name: "context_assemble_context",
    toolset: "context",
    title: "Assemble context with every option",
    description:
      "Build the context for a task within a token budget, with every option of the context assembler: budget, strategy, mode, session. " +
      "The answer is the assembled text; its structured form lists the blocks used and the tokens each section took.",
    input: {
      query: z.string().min(1).describe("The task or question to gather context for"),
      max_tokens: z.number().int().positive().optional().describe("Token budget (default 8000); token_budget and budget are the same"),
      token_budget: z.number().int().positive().optional().describe("Same as max_tokens"),
      budget: z.number().int().positive().optional().describe("Same as max_tokens"),
      strategy: z.enum(["balanced", "precision", "breadth"]).optional().describe("precision: fewer, closer matches; breadth: more, looser ones"),
      mode: z.enum(["fast", "balanced", "deep", "decision"]).optional().describe("How much work to spend assembling it"),
      depth: z.number().int().min(1).max(3).optional(),
      include_static: z.boolean().optional(),
      include_recent: z.boolean().optional(),
      include_episodes: z.boolean().optional(),
      include_linked: z.boolean().optional(),
      include_inference: z.boolean().optional(),
      include_current_state: z.boolean().optional(),
      include_preferences: z.boolean().optional(),
      include_structured_facts: z.boolean().optional(),
      include_working_memory: z.boolean().optional(),
      max_memory_tokens: z.number().int().positive().optional(),
      dedup_threshold: z.number().min(0).max(1).optional(),
      min_relevance: z.number().min(0).max(1).optional(),
      semantic_ceiling: z.number().min(0).max(1).optional(),
      semantic_limit: z.number().int().min(1).max(100).optional(),
      source: z.string().optional(),
      session: z.string().optional().describe("Session id, to include that session's recent memories"),
      model_id: z.string().optional(),
      space_id: spaceId,
    },
    annotations: READ,
    run: async (c, a) => {
      // Every field goes through as given: the server reads the three budget names itself.
      const r = await c.context(a);
      return jsonResult(r, r.context || "No relevant memories.");
    },
  }),
  tool({
    name: "context_get_header",
    toolset: "context",
    title: "Task header: who worked on this before",
    description:
      "At the start of a task, see which recent memories other models wrote, so you do not take their work for your own. " +
      "Answers a Markdown header and the prior work it lists.",
    input: {
      actor_model: z.string().min(1).max(100).optional().describe('Your model name (default "unknown")'),
      actor_role: z.string().min(1).max(100).optional().describe('Your role (default "assistant")'),
      context: z.string().optional().describe("The task, as the reference's clients send it"),
      limit: z.number().int().min(1).max(30).optional().describe("Prior works to list (default 10)"),
    },
    annotations: READ,
    run: async (c, a) => jsonResult(await c.header(a)),
  }),
  tool({
    name: "context_generate_prompt",
    toolset: "context",
    title: "Memories packed for a system prompt",
    description:
      "Pack your most important memories into a token budget, wrapped for a system prompt (raw, anthropic, openai or llamaindex). " +
      "With context, memories relevant to it are packed first.",
    input: {
      format: z.enum(["raw", "anthropic", "openai", "llamaindex"]).optional().describe("Wrapper (default raw)"),
      token_budget: z.number().int().min(100).max(128_000).optional().describe("Token budget (default 4000)"),
      context: z.string().optional().describe("The task, to pack the memories relevant to it"),
    },
    annotations: READ,
    run: async (c, a) => jsonResult(await c.prompt({ format: a.format, tokens: a.token_budget, context: a.context })),
  }),
];
