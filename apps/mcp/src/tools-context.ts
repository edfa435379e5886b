import { z } from "zod";
import { jsonResult } from "./results.js";
import { READ, spaceId, tool } from "./tool-def.js";

/**
 * The context toolset (contracts/mcp.md §2.2). `context_assemble_context` is POST /context with
 * every option; the reference's options the server does not read yet (depth, include_*, the
 * thresholds) are passed through and ignored there. get_header and generate_prompt need
 * /header and /prompt, which the server does not have yet (platform contract).
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
];
