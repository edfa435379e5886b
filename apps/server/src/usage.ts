import { readFileSync } from "node:fs";
import { CONFIG_ENV_VARS } from "@engram/core";
import { LOG_FORMAT_ENV } from "./logger.js";
import { DB_USAGE } from "./db-command.js";
import { MODELS_USAGE } from "./models-command.js";

export const { version: VERSION } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

/** Names in columns, so the ~80 variables fit on a screen; what each does is in the README's configuration table. */
function columns(names: readonly string[], width = 40, perLine = 2): string {
  const lines: string[] = [];
  for (let i = 0; i < names.length; i += perLine) {
    lines.push(`  ${names.slice(i, i + perLine).map((n) => n.padEnd(width)).join("").trimEnd()}`);
  }
  return lines.join("\n");
}

export const USAGE = `usage: engram-server [command]

engram's HTTP server: memories, search, context and jobs over a REST API (/openapi.json).

commands:
  (none)       start the server, configured by the environment below
${MODELS_USAGE.replace(/^usage:\n/, "").replaceAll("  engram-server models", "  models")}${DB_USAGE.replace(/^usage:\n/, "").replaceAll("  engram-server db", "  db")}  --help       show this help
  --version    print the version

environment (each is described in the README's Configuration table):
${columns([...CONFIG_ENV_VARS, LOG_FORMAT_ENV])}
`;
