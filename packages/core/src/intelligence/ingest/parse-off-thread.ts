import { startWorker } from "../../util/index.js";
import { ParseInputError } from "./documents.js";
import { BINARY_FORMATS, formatOfExtension, isPdf, isZip } from "./formats.js";
import { parseInput, type ParseRequest } from "./parse.js";

/** Past this size even a text format is parsed off the event loop (JSON.parse of megabytes blocks it). */
const INLINE_MAX_BYTES = 64 * 1024;
/** A parse still running after this is stopped: a crafted PDF must not hold a thread for ever. */
export const PARSE_TIMEOUT_MS = 120_000;

const WORKER = new URL("./parse-worker.js", import.meta.url);

type WorkerAnswer = { ok: true; result: Awaited<ReturnType<typeof parseInput>> } | { ok: false; input: boolean; message: string };

function needsThread(req: ParseRequest): boolean {
  if (req.bytes.length > INLINE_MAX_BYTES || isPdf(req.bytes) || isZip(req.bytes)) return true;
  const byName = req.filename ? formatOfExtension(req.filename) : undefined;
  return [req.format, byName].some((f) => f !== undefined && f !== "json" && BINARY_FORMATS.has(f));
}

/**
 * Parses an input: small text inline, binary formats (PDF, DOCX, ZIP) and anything large on a
 * worker thread of its own, so the event loop keeps serving requests meanwhile.
 */
export function parseOffThread(req: ParseRequest): Promise<Awaited<ReturnType<typeof parseInput>>> {
  if (!needsThread(req)) {
    // Whatever a parser throws was caused by the input it was given: a 400, never a 500.
    return parseInput(req).catch((err: unknown) => {
      throw err instanceof ParseInputError ? err : new ParseInputError(`could not be parsed: ${err instanceof Error ? err.message : String(err)}`);
    });
  }
  return new Promise((resolve, reject) => {
    const worker = startWorker(WORKER, { workerData: req });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
      void worker.terminate();
    };
    const timer = setTimeout(() => settle(() => reject(new ParseInputError(`parsing did not finish within ${PARSE_TIMEOUT_MS / 1000} s`))), PARSE_TIMEOUT_MS);
    worker.once("message", (a: WorkerAnswer) =>
      settle(() => (a.ok ? resolve(a.result) : reject(new ParseInputError(a.input ? a.message : `could not be parsed: ${a.message}`)))),
    );
    // A parser that crashes its thread (out of memory on a crafted file) was beaten by the input.
    worker.once("error", (err) => settle(() => reject(new ParseInputError(`could not be parsed: ${err.message}`))));
    worker.once("exit", (code) => settle(() => reject(new ParseInputError(`could not be parsed: the parser stopped (exit code ${code})`))));
  });
}
