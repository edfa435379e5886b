import { z } from "zod";
import { errorMessage, jsonResult } from "./results.js";
import { id, READ, tool, WRITE } from "./tool-def.js";

/**
 * The intelligence toolset (contracts/mcp.md §2.4): what Engram derives from what it stores.
 * Each tool is one or a few calls of the intelligence routes; the server does the work.
 */
export const INTELLIGENCE_TOOLS = [
  tool({
    name: "intelligence_consolidate",
    toolset: "intelligence",
    title: "Consolidate memories",
    description:
      "Merge several related memories into one consolidated memory that keeps every fact; the originals stay searchable and are linked to it. " +
      "Use it when a topic is spread over many small memories.",
    input: { memory_ids: z.array(id).min(2).max(50).refine((ids) => new Set(ids).size === ids.length, "must not repeat an id").describe("The memories to merge, 2-50 distinct ids") },
    annotations: WRITE,
    run: async (c, a) => jsonResult(await c.consolidate({ memory_ids: a.memory_ids })),
  }),
  tool({
    name: "intelligence_detect_contradictions",
    toolset: "intelligence",
    title: "Find contradictions",
    description:
      "Find stored facts that cannot both be true (a value changed, a negation, a different quantity), for one memory or across all of them, with both sides.",
    input: { memory_id: id.optional().describe("Only the contradictions involving this memory; leave out to scan all") },
    annotations: READ,
    run: async (c, a) => jsonResult(a.memory_id === undefined ? await c.contradictions({}) : await c.memoryContradictions(a.memory_id)),
  }),
  tool({
    name: "intelligence_decompose",
    toolset: "intelligence",
    title: "Split a memory into facts",
    description: "Split a long memory into short self-contained facts, stored as child memories linked to it; the original stays as it is.",
    input: { memory_id: id.describe("The memory to split") },
    annotations: WRITE,
    run: async (c, a) => jsonResult(await c.decompose(a.memory_id)),
  }),
  tool({
    name: "intelligence_temporal_summary",
    toolset: "intelligence",
    title: "Weekday and hour habits",
    description: "The user's recurring patterns by weekday and hour (what kind of memory tends to come when), detected afresh or as last detected.",
    input: {
      detect: z.boolean().optional().describe("Detect the patterns now (default true); false reads the last detection"),
      limit: z.number().int().min(1).max(500).optional().describe("At most this many patterns (default 20)"),
    },
    annotations: WRITE,
    run: async (c, a) => {
      const limit = a.limit ?? 20;
      const { patterns } = a.detect === false ? await c.temporalPatterns({ limit }) : await c.detectTemporalPatterns();
      const kept = patterns.slice(0, limit);
      return jsonResult({ patterns: kept, count: kept.length });
    },
  }),
  tool({
    name: "intelligence_reflect",
    toolset: "intelligence",
    title: "Record a reflection",
    description: "Record a reflection: an insight or lesson drawn from earlier memories, optionally citing them, kept apart from ordinary memories.",
    input: {
      content: z.string().min(1).max(10_000).describe("The reflection, in plain words"),
      reflection_type: z.string().min(1).max(50).optional().describe('A kind such as "lesson" or "pattern" (default "general")'),
      source_memory_ids: z.array(id).max(1000).optional().describe("The memories it draws on"),
      confidence: z.number().min(0).max(1).optional().describe("How sure, 0-1 (default 1)"),
    },
    annotations: WRITE,
    run: async (c, a) => jsonResult(await c.createReflection(a)),
  }),
  tool({
    name: "intelligence_extract_facts",
    toolset: "intelligence",
    title: "Extract facts now",
    description: "Extract subject-predicate-object facts (where someone lives, works, what they like...) from a stored memory or from new text, which is stored first.",
    input: {
      memory_id: id.optional().describe("A stored memory to read"),
      content: z.string().min(1).optional().describe("Text to store and read, when no memory_id is given"),
    },
    annotations: WRITE,
    run: async (c, a) => {
      if ((a.memory_id === undefined) === (a.content === undefined)) throw new Error("give exactly one of memory_id and content");
      return jsonResult(await c.extractFacts(a.memory_id !== undefined ? { memory_id: a.memory_id } : { content: a.content! }));
    },
  }),
  tool({
    name: "intelligence_sentiment",
    toolset: "intelligence",
    title: "Sentiment of a text",
    description: "Score the sentiment of a text or of a stored memory with a word lexicon: a score, and positive, negative or neutral.",
    input: {
      text: z.string().min(1).optional().describe("The text to score"),
      memory_id: id.optional().describe("A stored memory to score, when no text is given"),
    },
    annotations: READ,
    run: async (c, a) => {
      if ((a.text === undefined) === (a.memory_id === undefined)) throw new Error("give exactly one of text and memory_id");
      return jsonResult(await c.sentiment(a.text !== undefined ? { content: a.text } : { memory_id: a.memory_id! }));
    },
  }),
  tool({
    name: "intelligence_causal_trace",
    toolset: "intelligence",
    title: "Causal chain",
    description:
      "Read a causal chain by id, or record a new one: what caused what, as links from cause to effect between stored memories, in order.",
    input: {
      chain_id: id.optional().describe("Read this chain; leave out to create one"),
      root_memory_id: id.optional().describe("The memory the new chain starts from"),
      description: z.string().max(2_000).optional().describe("What the chain explains"),
      links: z
        .array(
          z.object({
            cause_memory_id: id,
            effect_memory_id: id,
            strength: z.number().min(0).max(1).optional(),
            order_index: z.number().int().min(0).optional(),
          }),
        )
        .max(100)
        .optional()
        .describe("Cause → effect links of the new chain, in order"),
    },
    annotations: WRITE,
    run: async (c, a) => {
      if (a.chain_id !== undefined) return jsonResult(await c.causalChain(a.chain_id));
      const chain = await c.createCausalChain({ root_memory_id: a.root_memory_id, description: a.description });
      for (const [i, link] of (a.links ?? []).entries()) {
        try {
          await c.addCausalLink({ chain_id: chain.id, ...link, order_index: link.order_index ?? i });
        } catch (err) {
          // The chain and the links before this one stay: say which link failed, and why.
          throw new Error(`links.${i}: ${errorMessage(err)} (chain ${chain.id} keeps the links before it)`);
        }
      }
      return jsonResult(await c.causalChain(chain.id));
    },
  }),
];
