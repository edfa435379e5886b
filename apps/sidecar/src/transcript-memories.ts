import { EngramApiError, type StoreRequest } from "@engram/client";
import { extractMemories } from "./extract.js";
import type { Log } from "./log.js";
import { parseTranscriptLine } from "./transcript.js";

export interface TranscriptMemoriesOptions {
  /** For lines that do not name their session. */
  sessionId: string;
  /** Resolves once the write is durable: on the server or in the write buffer. */
  store: (request: StoreRequest) => Promise<unknown>;
  log: Log;
}

/**
 * Turns one transcript line into stored memories: parse, extract, store each one. Resolves with
 * how many were stored. Each memory is filed under the session the line itself names (Claude Code
 * writes `sessionId` on every line), so history read from other sessions' transcripts keeps its
 * own session; the sidecar's session id is the fallback.
 */
export function transcriptMemories(opts: TranscriptMemoriesOptions): (line: string) => Promise<number> {
  return async (line) => {
    const message = parseTranscriptLine(line);
    if (!message) return 0;
    let stored = 0;
    for (const m of extractMemories(message)) {
      try {
        await opts.store({
          content: m.content,
          category: m.category,
          importance: m.importance,
          source: "sidecar",
          tags: ["auto-extracted"],
          session_id: message.sessionId ?? opts.sessionId,
        });
        stored++;
      } catch (err) {
        // The server judged this memory invalid: retrying cannot help, and it must not hold up the file.
        if (!(err instanceof EngramApiError) || err.status < 400 || err.status >= 500) throw err;
        opts.log("warn", "server refused an extracted memory", { status: err.status, error: err.message });
      }
    }
    return stored;
  };
}
