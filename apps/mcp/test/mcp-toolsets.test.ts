import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, startServer, type RunningServer } from "../../../test/support/server.js";
import { costTable, readmeTable, toolsetCosts } from "../scripts/toolset-tokens.js";
import { callTool, connectHttp, connectStdio, MCP_BIN, ok, startHttpMcp } from "./mcp-process.js";

/**
 * ENGRAM_MCP_TOOLSETS and the listing (contracts/mcp.md §1.3), through the built engram-mcp:
 * `tools/list` names each tool once, by its underscore name, and only for the enabled toolsets;
 * the dotted names still run; a tool of a disabled toolset answers which toolset to enable.
 */

const MEMORY = [
  "fsrs_review",
  "memory_archive",
  "memory_context",
  "memory_delete",
  "memory_forget",
  "memory_get",
  "memory_guard",
  "memory_list",
  "memory_recall",
  "memory_search",
  "memory_store",
  "memory_update",
  "memory_versions",
];

const CONTEXT = ["context_assemble_context", "context_generate_prompt", "context_get_header"];
const INTELLIGENCE = [
  "intelligence_causal_trace",
  "intelligence_consolidate",
  "intelligence_decompose",
  "intelligence_detect_contradictions",
  "intelligence_extract_facts",
  "intelligence_reflect",
  "intelligence_sentiment",
  "intelligence_temporal_summary",
];

let server: RunningServer;
let key: string;

beforeAll(async () => {
  server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
  key = await bootstrap(server.url);
});
afterAll(() => server?.stop());

async function listed(toolsets: string | undefined): Promise<string[]> {
  const mcp = await connectStdio({ ENGRAM_URL: server.url, ENGRAM_API_KEY: key, ...(toolsets === undefined ? {} : { ENGRAM_MCP_TOOLSETS: toolsets }) });
  try {
    return (await mcp.client.listTools()).tools.map((t) => t.name).sort();
  } finally {
    await mcp.close();
  }
}

describe("tools/list per toolset", () => {
  it.each([
    ["unset (memory,context)", undefined, [...MEMORY, ...CONTEXT].sort()],
    ["memory", "memory", MEMORY],
    ["graph", "graph", ["graph_neighborhood"]],
    ["memory, graph", " Memory , graph ", [...MEMORY, "graph_neighborhood"].sort()],
    ["all", "all", [...MEMORY, ...CONTEXT, ...INTELLIGENCE, "graph_neighborhood"].sort()],
    ["context", "context", CONTEXT],
    ["intelligence", "intelligence", INTELLIGENCE],
  ])("%s", async (_label, toolsets, expected) => {
    expect(await listed(toolsets)).toEqual(expected);
  });

  it("lists no dotted name, over HTTP too", async () => {
    const mcp = await startHttpMcp({ ENGRAM_URL: server.url, ENGRAM_API_KEY: key, ENGRAM_MCP_TOOLSETS: "all" });
    try {
      const { client } = await connectHttp(mcp.url);
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names.sort()).toEqual([...MEMORY, ...CONTEXT, ...INTELLIGENCE, "graph_neighborhood"].sort());
      await client.close();
    } finally {
      await mcp.stop();
    }
  });
});

describe("calls", () => {
  it("a dotted name still runs its tool, unlisted", async () => {
    const mcp = await connectStdio({ ENGRAM_URL: server.url, ENGRAM_API_KEY: key });
    try {
      const stored = await ok(mcp.client, "memory.store", { content: "The staging database is rebuilt every Sunday night" });
      expect((await api(server.url, key).get(`/memory/${stored.id}`)).body).toMatchObject({ source: "mcp" });
      expect((await ok(mcp.client, "fsrs.review", { id: stored.id, grade: 3 })).id).toBe(stored.id);
    } finally {
      await mcp.close();
    }
  });

  it.each(["graph_neighborhood", "graph.neighborhood"])("%s outside the enabled toolsets is refused, naming the toolset to enable", async (name) => {
    const mcp = await connectStdio({ ENGRAM_URL: server.url, ENGRAM_API_KEY: key });
    try {
      const r = await callTool(mcp.client, name, { id: 1 });
      expect(r.isError).toBe(true);
      expect(r.content[0]!.text).toBe(
        "tool graph_neighborhood is in the graph toolset, which this server does not enable (ENGRAM_MCP_TOOLSETS=memory,context); add graph to use it",
      );
    } finally {
      await mcp.close();
    }
  });
});

describe("an unknown toolset", () => {
  it("stops engram-mcp at start with exit 2, the name, the choices and the usage", async () => {
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [MCP_BIN], { env: { PATH: process.env.PATH ?? "", ENGRAM_MCP_TOOLSETS: "memory,grahp" } }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr }),
      ),
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^engram-mcp: ENGRAM_MCP_TOOLSETS: unknown toolset "grahp"; choose from memory, context, graph, intelligence, services, admin, structural, skill, or all\n\nusage: engram-mcp/,
    );
  });
});

describe("the README's table of tools/list sizes", () => {
  it("is what scripts/toolset-tokens.ts computes now, and the default stays under 4,000 tokens", async () => {
    const costs = await toolsetCosts();
    expect(costs[0]!.tokens).toBeLessThan(4000);
    expect(readmeTable(), "run: npx tsx apps/mcp/scripts/toolset-tokens.ts --write").toBe(costTable(costs));
  });
});
