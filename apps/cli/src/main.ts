import { buildProgram } from "./program.js";

/**
 * Commander reports its own usage errors and exits with its own status. Everything that fails
 * after parsing (server errors, unreachable server) ends here as one `error: ...` line and
 * status 1: scripts get a stable shape and people see no stack traces.
 */
try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${message.replace(/\s*\n\s*/g, " ")}\n`);
  process.exitCode = 1;
}
