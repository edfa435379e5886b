import { randomBytes } from "node:crypto";
import path from "node:path";
import { serve } from "@hono/node-server";
import { EngramClient } from "@engram/client";
import { createSidecarApp } from "./app.js";
import { FileOffsets } from "./file-offsets.js";
import { log } from "./log.js";
import { parseOptions, VERSION as version, type SidecarOptions } from "./program.js";
import { ReadCache } from "./read-cache.js";
import { prepareStateDir } from "./state-dir.js";
import { StateDirBusyError, StateLock } from "./state-lock.js";
import { transcriptMemories } from "./transcript-memories.js";
import { TranscriptWatcher } from "./transcript-watcher.js";
import { WriteBuffer } from "./write-buffer.js";
import { Writer } from "./writer.js";

/** A slow server turns into a buffered write after this long instead of holding the agent up. */
const REQUEST_TIMEOUT_MS = 10_000;
const PROBE_TIMEOUT_MS = 2_000;
const CACHE_ENTRIES = 256;
/** 256 random bits: the sidecar token callers read from sidecar.json (see request-guard.ts). */
const TOKEN_BYTES = 32;

/** A problem with how the sidecar was started: reported in one line, no stack trace. */
class StartupError extends Error {}

function clientFor(opts: SidecarOptions, timeoutMs: number): EngramClient {
  try {
    return new EngramClient({ baseUrl: opts.server, apiKey: opts.key, timeoutMs });
  } catch (err) {
    throw new StartupError(err instanceof Error ? err.message : String(err));
  }
}

async function start(opts: SidecarOptions): Promise<void> {
  const client = clientFor(opts, REQUEST_TIMEOUT_MS);
  const probe = clientFor(opts, PROBE_TIMEOUT_MS);
  try {
    await prepareStateDir(opts.stateDir, opts.privateDirs);
  } catch (err) {
    throw new StartupError(`cannot make the state dir ${opts.stateDir} private: ${err instanceof Error ? err.message : String(err)}`);
  }
  const token = randomBytes(TOKEN_BYTES).toString("hex");
  const lock = await StateLock.acquire(opts.stateDir);
  const cache = new ReadCache({ maxEntries: CACHE_ENTRIES, ttlMs: opts.cacheTtl * 1000 });
  const buffer = await WriteBuffer.open(opts.stateDir);
  const writer = new Writer({ client, buffer, log, retry: { initialMs: 500, maxMs: 30_000 }, onWrite: () => cache.clear() });

  const watcher = opts.watch
    ? new TranscriptWatcher({
        dir: opts.watch,
        offsets: await FileOffsets.open(path.join(opts.stateDir, "watch-offsets.json")),
        // Claude Code names a transcript after its session: this session's is read whole.
        readExisting: (file) => path.basename(file).startsWith(`${opts.sessionId}.jsonl`),
        handleLine: transcriptMemories({ sessionId: opts.sessionId, store: (r) => writer.store(r), log }),
        log,
      })
    : null;

  const app = createSidecarApp({ sessionId: opts.sessionId, version, token, client, probe, writer, cache, watcher, log });
  const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: opts.port }, (info) => {
    const url = `http://127.0.0.1:${info.port}`;
    // Announced only once sidecar.json holds the token: without it no caller could use the sidecar.
    lock.announce({ port: info.port, url, token, session_id: opts.sessionId, server: client.baseUrl }).then(
      () => log("info", "listening", { port: info.port, url, session_id: opts.sessionId, server: client.baseUrl, state_dir: opts.stateDir, buffered: buffer.size }),
      (err: unknown) => {
        log("error", "could not write the URL and token to sidecar.json", { error: err instanceof Error ? err.message : String(err) });
        process.exit(1);
      },
    );
  });
  server.on("error", (err) => {
    log("error", "sidecar failed to listen", { error: err.message });
    process.exit(1);
  });
  if (watcher) {
    watcher
      .start()
      .then(() => log("info", "watching transcripts", { ...watcher.status() }))
      .catch((err: unknown) => log("error", "transcript watcher failed to start", { error: err instanceof Error ? err.message : String(err) }));
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log("info", "shutting down", { signal, buffered: buffer.size });
    // Everything acknowledged is on disk already; only in-flight work needs to finish.
    void (async () => {
      await watcher?.close();
      await writer.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeIdleConnections" in server) server.closeIdleConnections();
      });
      await lock.release();
      process.exit(0);
    })();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

try {
  await start(parseOptions(process.argv));
} catch (err) {
  if (err instanceof StateDirBusyError || err instanceof StartupError) {
    process.stderr.write(`engram-sidecar: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
