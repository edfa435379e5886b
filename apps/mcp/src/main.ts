import { EngramClient } from "@engram/client";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { loadConfig, UsageError, USAGE, type McpConfig } from "./config.js";
import { serveHttp } from "./http.js";
import { errorMessage } from "./results.js";
import { createMcpServer, VERSION } from "./server.js";

/** stdout belongs to the MCP protocol in stdio mode, so every human-readable line goes to stderr. */
const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * A misconfigured URL or key shows up in the MCP client's server log at start-up rather than
 * only as failing tool calls later; the server starts either way, since engram-server may come up after it.
 */
function checkServer(engramUrl: string, apiKey: string | undefined): void {
  new EngramClient({ baseUrl: engramUrl, apiKey, timeoutMs: 5_000 }).health().then(
    (h) => log(`engram-mcp: engram-server ${h.version} at ${engramUrl}${apiKey ? "" : " (no API key configured)"}`),
    (err: unknown) => log(`engram-mcp: warning: ${errorMessage(err)}`),
  );
}

async function run(config: Exclude<McpConfig, { mode: "help" | "version" }>): Promise<void> {
  checkServer(config.engramUrl, config.apiKey);
  if (config.mode === "stdio") {
    await createMcpServer(config).connect(new StdioServerTransport());
    return;
  }
  const running = await serveHttp({ ...config, log });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void running.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // Announced only once a signal can stop it cleanly: scripts wait for this line.
  log(`engram-mcp: listening on ${running.url}`);
}

let config: McpConfig;
try {
  config = loadConfig(process.argv.slice(2), process.env);
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  log(`engram-mcp: ${err.message}\n\n${USAGE}`);
  process.exit(2);
}

// Help and version are asked for by a person, not an MCP client, so they go to stdout.
if (config.mode === "help") process.stdout.write(`${USAGE}\n`);
else if (config.mode === "version") process.stdout.write(`${VERSION}\n`);
else {
  try {
    await run(config);
  } catch (err) {
    log(`engram-mcp: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
