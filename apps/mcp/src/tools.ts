import type { EngramClient } from "@engram/client";
import type { McpServer, RegisteredTool, ToolCallback } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ShapeOutput } from "@modelcontextprotocol/sdk/server/zod-compat.js";
import { z } from "zod";
import { errorResult, jsonResult } from "./results.js";
import { CONTEXT_TOOLS } from "./tools-context.js";
import { INTELLIGENCE_TOOLS } from "./tools-intelligence.js";
import { dottedName, id, importance, MCP_SOURCE, READ, spaceId, tags, WRITE, type Shape, type ToolDef } from "./tool-def.js";
import { listOnly } from "./tool-list.js";
import type { Toolset } from "./toolsets.js";

export { dottedName, MCP_SOURCE } from "./tool-def.js";

/**
 * The memory tools. Each one forwards to one engram-server route through @engram/client, so
 * the server does the validation that matters, the auth, the tenancy and the audit; the input
 * schemas here describe the arguments to the model and stop malformed calls early.
 */

/**
 * Registers every tool under its underscore name and its dotted twin; `tools/list` shows the
 * underscore names of the enabled toolsets only. A tool of a disabled toolset stays known, so a
 * call to it says which toolset to enable instead of "not found". `onCall` hears of every call
 * before it runs (the HTTP transport tells used sessions from idle ones by it).
 */
export function registerTools(server: McpServer, client: EngramClient, toolsets: ReadonlySet<Toolset>, onCall: () => void = () => {}): void {
  const listed = new Map<string, RegisteredTool>();
  const enabled = [...toolsets].join(",");

  const add = <S extends Shape>(def: ToolDef<S>) => {
    if (!toolsets.has(def.toolset)) {
      const refusal = `tool ${def.name} is in the ${def.toolset} toolset, which this server does not enable (ENGRAM_MCP_TOOLSETS=${enabled}); add ${def.toolset} to use it`;
      for (const name of [def.name, dottedName(def.name)]) {
        server.registerTool(name, { description: refusal }, async () => ({ content: [{ type: "text", text: refusal }], isError: true }));
      }
      return;
    }
    for (const name of [def.name, dottedName(def.name)]) {
      const tool = server.registerTool(
        name,
        { title: def.title, description: def.description, inputSchema: def.input, annotations: def.annotations },
        // A failed call is a tool error the model reads; it must never take the server down.
        // The SDK parses the arguments with `def.input` before calling; TypeScript cannot resolve its
        // conditional callback type for a generic shape, hence the cast.
        (async (args: ShapeOutput<S>) => {
          onCall();
          try {
            return await def.run(client, args);
          } catch (err) {
            return errorResult(err);
          }
        }) as unknown as ToolCallback<S>,
      );
      if (name === def.name) listed.set(name, tool);
    }
  };

  add({
    name: "memory_store",
    toolset: "memory",
    title: "Store a memory",
    description:
      "Save something worth remembering across sessions: a fact, a decision and its reason, a user preference, a rule. " +
      "Store one self-contained statement per memory, written so it makes sense without this conversation. " +
      "A near-duplicate of an existing memory is not stored again (the answer says duplicate:true and gives existing_id).",
    input: {
      content: z.string().min(1).describe("The text to remember, self-contained (at most 100 KB)"),
      category: z.string().optional().describe('A kind such as "preference", "decision", "fact", "task" or "rule" (default "general"); "rule" memories are checked by memory_guard'),
      importance: importance.optional().describe("1-10: 9-10 for critical facts and hard rules, 5 for ordinary ones (default 5)"),
      tags: tags.optional().describe("Short labels for later filtering, e.g. [\"project-x\", \"billing\"]"),
      source: z.string().optional().describe(`Where it came from (default "${MCP_SOURCE}")`),
      is_static: z.boolean().optional().describe("A standing fact or rule that should not decay with time"),
      session_id: z.string().optional().describe("The conversation or session this came from"),
      space_id: z.number().int().positive().optional().describe("Store into this space instead of the default one"),
    },
    annotations: WRITE,
    run: async (c, a) => jsonResult(await c.store({ ...a, source: a.source ?? MCP_SOURCE })),
  });

  add({
    name: "memory_search",
    toolset: "memory",
    title: "Search memories",
    description:
      "Find stored memories relevant to a question or topic (keyword and semantic search combined). " +
      "Use it before answering anything that may depend on what was learned in earlier sessions. " +
      "Results are ranked by score; abstained:true means nothing was relevant enough.",
    input: {
      query: z.string().min(1).describe("What to look for, in plain words"),
      limit: z.number().int().min(1).max(100).optional().describe("At most this many results (default 10)"),
      category: z.string().optional().describe("Only memories of this category"),
      source: z.string().optional().describe("Only memories from this source"),
      tags: tags.optional().describe("Only memories carrying these tags"),
      threshold: z.number().min(0).max(1).optional().describe("Minimum relevance score, 0-1"),
      space_id: spaceId,
      include_forgotten: z.boolean().optional().describe("Also search forgotten memories"),
    },
    annotations: READ,
    run: async (c, a) => {
      const found = await c.search(a);
      // The nested `memory` repeats the flat fields for typed SDKs over HTTP; an agent would pay
      // for every memory twice in its context.
      return jsonResult({ ...found, results: found.results.map(({ memory: _nested, ...flat }) => flat) });
    },
  });

  add({
    name: "memory_recall",
    toolset: "memory",
    title: "Recall memories",
    description:
      "Bring back the memories that matter for the current situation, and count them as reviewed so they stay fresh. " +
      "With a query, the most relevant ones; without, the most important recent ones.",
    input: {
      query: z.string().optional().describe("The current topic or task; leave out for the most important recent memories"),
      limit: z.number().int().min(1).max(100).optional().describe("At most this many (default 10)"),
      space_id: spaceId,
    },
    annotations: WRITE,
    run: async (c, a) => jsonResult(await c.recall(a)),
  });

  add({
    name: "memory_context",
    toolset: "memory",
    title: "Build context for a query",
    description:
      "Assemble the memories relevant to a query into one block of text that fits a token budget: standing rules and facts first, then the most relevant memories. " +
      "Use it at the start of a task to load what is known about it. The answer is the assembled context; its structured form lists the blocks used.",
    input: {
      query: z.string().min(1).describe("The task or question to gather context for"),
      max_tokens: z.number().int().positive().optional().describe("Token budget for the assembled context (default 8000)"),
      strategy: z.enum(["balanced", "precision", "breadth"]).optional().describe("precision: fewer, closer matches; breadth: more, looser ones (default balanced)"),
      mode: z.enum(["fast", "balanced", "deep", "decision"]).optional().describe("How much work to spend assembling it"),
      session: z.string().optional().describe("Session id, to include that session's recent memories"),
      space_id: spaceId,
    },
    annotations: READ,
    run: async (c, a) => {
      const r = await c.context(a);
      return jsonResult(r, r.context || "No relevant memories.");
    },
  });

  add({
    name: "memory_get",
    toolset: "memory",
    title: "Get a memory",
    description: "Read one memory in full by id, with its category, tags, importance, version and status.",
    input: { id },
    annotations: READ,
    run: async (c, a) => jsonResult(await c.get(a.id)),
  });

  add({
    name: "memory_list",
    toolset: "memory",
    title: "List memories",
    description: "List memories newest first, optionally by category or source; archived and forgotten ones only when asked for.",
    input: {
      limit: z.number().int().min(1).max(1000).optional().describe("At most this many (default 50)"),
      offset: z.number().int().min(0).optional().describe("Skip this many, for paging"),
      category: z.string().optional().describe("Only this category"),
      source: z.string().optional().describe("Only this source"),
      space_id: spaceId,
      include_archived: z.boolean().optional().describe("Also list archived memories"),
      include_forgotten: z.boolean().optional().describe("Also list forgotten memories"),
    },
    annotations: READ,
    run: async (c, a) => jsonResult(await c.list(a)),
  });

  add({
    name: "memory_update",
    toolset: "memory",
    title: "Update a memory",
    description:
      "Correct or refine a memory. This writes a new version (the old one stays in the history, see memory_versions) and answers with the new version and its new id. " +
      "Only the latest version of a memory can be updated. Give at least one field to change.",
    input: {
      id: id.describe("Id of the latest version of the memory"),
      content: z.string().min(1).optional().describe("New text"),
      category: z.string().optional().describe("New category"),
      importance: importance.optional().describe("New importance, 1-10"),
      tags: tags.optional().describe("New tags (replace the old ones)"),
      is_static: z.boolean().optional().describe("Whether it is a standing fact or rule"),
    },
    annotations: WRITE,
    run: async (c, { id: memoryId, ...patch }) => jsonResult(await c.update(memoryId, patch)),
  });

  add({
    name: "memory_forget",
    toolset: "memory",
    title: "Forget a memory",
    description: "Forget a memory that is wrong or no longer true: it disappears from search, recall and memory_get, but is kept for the record.",
    input: { id, reason: z.string().optional().describe("Why it is forgotten") },
    annotations: { ...WRITE, idempotentHint: true },
    run: async (c, a) => jsonResult(await c.forget(a.id, a.reason)),
  });

  add({
    name: "memory_archive",
    toolset: "memory",
    title: "Archive a memory",
    description: "Archive a memory that is still true but no longer relevant: hidden from search and recall, still readable with memory_get.",
    input: { id },
    annotations: { ...WRITE, idempotentHint: true },
    run: async (c, a) => jsonResult(await c.archive(a.id)),
  });

  add({
    name: "memory_delete",
    toolset: "memory",
    title: "Delete a memory",
    description: "Delete a memory permanently, with its links. This cannot be undone; prefer memory_forget unless the memory must not be kept at all.",
    input: { id },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    run: async (c, a) => jsonResult(await c.delete(a.id)),
  });

  add({
    name: "memory_versions",
    toolset: "memory",
    title: "Version history of a memory",
    description: "The whole version chain of a memory, oldest first: how it was corrected over time. Any id in the chain works.",
    input: { id },
    annotations: READ,
    run: async (c, a) => jsonResult(await c.versions(a.id)),
  });

  add({
    name: "memory_guard",
    toolset: "memory",
    title: "Check an action against the rules",
    description:
      "Before doing something consequential (deleting, deploying, sending, spending), check it against the user's stored rules. " +
      'The answer\'s signal is "allow", "warn" (a rule may apply: read it and be careful) or "block" (a high-importance rule forbids it: do not proceed), with the matching rules.',
    input: { action: z.string().min(1).describe('The action about to be taken, in plain words, e.g. "force-push to main"') },
    annotations: READ,
    run: async (c, a) => jsonResult(await c.guard(a.action)),
  });

  add({
    name: "fsrs_review",
    toolset: "memory",
    title: "Review a memory",
    description:
      "Tell the spaced-repetition scheduler how well a memory held up when it was used, so useful memories stay strong and stale ones fade. " +
      "Grade 1 = Again (it was wrong or forgotten), 2 = Hard, 3 = Good, 4 = Easy.",
    input: { id, grade: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).optional().describe("1 Again, 2 Hard, 3 Good, 4 Easy (default 3)") },
    annotations: WRITE,
    run: async (c, a) => jsonResult(await c.fsrsReview(a)),
  });

  add({
    name: "graph_neighborhood",
    toolset: "graph",
    title: "Related memories",
    description: "The memories linked to one memory (similar, updated, contradicting ones and so on), as a small graph of nodes and edges around it.",
    input: {
      id,
      depth: z.number().int().min(1).optional().describe("How many links away to go (default 1)"),
      limit: z.number().int().min(1).optional().describe("At most this many nodes"),
    },
    annotations: READ,
    run: async (c, { id: memoryId, ...params }) => jsonResult(await c.graphNeighborhood(memoryId, params)),
  });

  for (const def of [...CONTEXT_TOOLS, ...INTELLIGENCE_TOOLS]) add(def);

  listOnly(server, listed);
}
