import { ConfigError, loadConfig } from "@engram/core";
import { MODELS_USAGE, runModelsCommand } from "./models-command.js";

/**
 * engram-server's entry: no arguments starts the server; `models …` manages model folders
 * and exits. Commands are dispatched before the server module is loaded, so they never
 * open the database or bind a port.
 */
const [command, ...rest] = process.argv.slice(2);

if (command === undefined) {
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
} else {
  process.stderr.write(`engram-server: unknown command ${JSON.stringify(command)}\nusage: engram-server (starts the server)\n${MODELS_USAGE}`);
  process.exitCode = 2;
}
