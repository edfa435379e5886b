import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { registerAccountCommands } from "./account-commands.js";
import { registerCompletionCommand } from "./completion.js";
import { registerFsrsGraphCommands } from "./fsrs-graph-commands.js";
import { registerImportCommand } from "./import-command.js";
import { registerJobsCommands } from "./jobs-commands.js";
import { registerMemoryCommands } from "./memory-commands.js";
import { registerOrganizeCommands } from "./organize-commands.js";
import { registerRetrievalCommands } from "./retrieval-commands.js";

const DEFAULT_URL = "http://127.0.0.1:4200";

const ENVIRONMENT = `
Environment:
  ENGRAM_URL      engram-server base URL, when --server is not given
  ENGRAM_API_KEY  API key, when --key is not given`;

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

/** Collapses commander's multi-line errors ("unknown command" plus a "Did you mean" hint) to one line. */
const oneLine = (str: string, write: (s: string) => void) => write(`${str.trim().replace(/\s*\n\s*/g, " ")}\n`);

export function buildProgram(): Command {
  const program = new Command("engram-cli")
    .description("command-line client for engram-server")
    .version(version)
    // Must precede the subcommands: commander copies output settings into them on creation.
    .configureOutput({ outputError: oneLine })
    .addOption(new Option("--server <url>", "engram-server base URL").env("ENGRAM_URL").default(DEFAULT_URL))
    .addOption(new Option("--key <key>", "API key").env("ENGRAM_API_KEY"))
    .option("--json", "print the raw JSON response")
    .addHelpText("after", ENVIRONMENT);
  registerMemoryCommands(program);
  registerRetrievalCommands(program);
  registerOrganizeCommands(program);
  registerFsrsGraphCommands(program);
  registerImportCommand(program);
  registerJobsCommands(program);
  registerAccountCommands(program);
  registerCompletionCommand(program);
  return program;
}
