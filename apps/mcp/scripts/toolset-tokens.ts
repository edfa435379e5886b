import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { createMcpServer } from "../src/server.js";
import { DEFAULT_TOOLSETS, parseToolsets, TOOLSETS } from "../src/toolsets.js";

/**
 * What each ENGRAM_MCP_TOOLSETS value costs an agent before it does anything: the `tools/list`
 * result as JSON, counted in o200k_base tokens (gpt-tokenizer, the tokenizer core counts context
 * budgets with). `--write` puts the table into the README between its markers; the mcp tests
 * fail when the README's table is not what this computes.
 *
 *   npx tsx apps/mcp/scripts/toolset-tokens.ts [--write]
 */

export const README = fileURLToPath(new URL("../../../README.md", import.meta.url));
export const START = "<!-- toolset-tokens:start -->";
export const END = "<!-- toolset-tokens:end -->";

export interface ToolsetCost {
  setting: string;
  tools: number;
  tokens: number;
}

/** `tools/list` of a server with these toolsets, through the SDK's own client over an in-memory transport. */
async function listTools(setting: string): Promise<unknown[]> {
  const server = createMcpServer({ engramUrl: "http://127.0.0.1:9", apiKey: undefined, toolsets: parseToolsets(setting) });
  const client = new Client({ name: "toolset-tokens", version: "0.0.0" });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(a), client.connect(b)]);
  const { tools } = await client.listTools();
  await client.close();
  return tools;
}

export async function toolsetCosts(): Promise<ToolsetCost[]> {
  const settings = [DEFAULT_TOOLSETS.join(","), ...TOOLSETS, "all"];
  const costs: ToolsetCost[] = [];
  for (const setting of settings) {
    const tools = await listTools(setting);
    costs.push({ setting, tools: tools.length, tokens: countTokens(JSON.stringify({ tools })) });
  }
  return costs;
}

export function costTable(costs: ToolsetCost[]): string {
  const rows = costs.map((c, i) => `| \`${c.setting}\`${i === 0 ? " (default)" : ""} | ${c.tools} | ${c.tokens.toLocaleString("en-US")} |`);
  return ["| `ENGRAM_MCP_TOOLSETS` | tools listed | `tools/list` tokens (o200k) |", "|---|---:|---:|", ...rows].join("\n");
}

/** The README's table, between the markers. */
export function readmeTable(text = fs.readFileSync(README, "utf8")): string | undefined {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  return start < 0 || end < start ? undefined : text.slice(start + START.length, end).trim();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const table = costTable(await toolsetCosts());
  if (process.argv.includes("--write")) {
    const text = fs.readFileSync(README, "utf8");
    if (readmeTable(text) === undefined) throw new Error(`README.md has no ${START} … ${END} section`);
    fs.writeFileSync(README, text.slice(0, text.indexOf(START) + START.length) + `\n${table}\n` + text.slice(text.indexOf(END)));
  }
  process.stdout.write(`${table}\n`);
}
