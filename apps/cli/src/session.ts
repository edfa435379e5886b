import type { Command } from "commander";
import { EngramClient } from "@engram/client";

/** The global flags, after commander applied env fallbacks and defaults. */
interface GlobalOptions {
  server: string;
  key?: string | undefined;
  json?: boolean | undefined;
}

export interface Session {
  client: EngramClient;
  json: boolean;
}

/** Built per command from the root's flags, so `--server`/`--key`/`--json` work before or after the command name. */
export function sessionOf(command: Command): Session {
  const opts = command.optsWithGlobals<GlobalOptions>();
  // An empty ENGRAM_API_KEY means "no key", not a key that is the empty string.
  return { client: new EngramClient({ baseUrl: opts.server, apiKey: opts.key || undefined }), json: opts.json === true };
}

/** Raw JSON for scripts, a short readable rendering for people. */
export function emit<T>(session: Session, data: T, human: (data: T) => string): void {
  process.stdout.write(`${session.json ? JSON.stringify(data, null, 2) : human(data)}\n`);
}
