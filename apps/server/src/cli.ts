import { ConfigError, loadConfig } from "@engram/core";
import { runDbCommand } from "./db-command.js";
import { runModelsCommand } from "./models-command.js";
import { USAGE, VERSION } from "./usage.js";

/**
 * engram-server's entry: no arguments starts the server; `models …` manages model folders
 * and `db …` converts the database file, then exit; `--help` and `--version` answer on
 * stdout. Commands are dispatched before the
 * server module is loaded, so they never open the database or bind a port.
 */
const [command, ...rest] = process.argv.slice(2);

if (command === "--help" || command === "-h" || command === "help") {
  process.stdout.write(USAGE);
} else if (command === "--version" || command === "-V") {
  process.stdout.write(`${VERSION}\n`);
} else if (command === undefined) {
  await import("./main.js");
} else if (command === "models") {
  let code: number;
  try {
    code = await runModelsCommand(rest, loadConfig(), { out: process.stdout, err: process.stderr });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`engram-server: ${err.message}\n`);
    code = 2;
  }
  process.exitCode = code;
} else if (command === "db") {
  let code: number;
  try {
    code = runDbCommand(rest, loadConfig(), { out: process.stdout, err: process.stderr });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`engram-server: ${err.message}\n`);
    code = 2;
  }
  process.exitCode = code;
} else {
  process.stderr.write(`engram-server: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
  process.exitCode = 2;
}
