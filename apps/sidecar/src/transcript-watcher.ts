import { createHash } from "node:crypto";
import fs, { type FileHandle } from "node:fs/promises";
import { watch, type FSWatcher } from "chokidar";
import { isNotFound } from "./durable-fs.js";
import { fileIdentity, type FileCursor, type FileOffsets } from "./file-offsets.js";
import type { Log } from "./log.js";

export interface TranscriptWatcherOptions {
  dir: string;
  offsets: FileOffsets;
  /**
   * Whether a transcript already there at the first start is read from its beginning. Others are
   * followed from their end: a project's folder holds every past session's transcript, and this
   * sidecar is there for the lines written from now on.
   */
  readExisting: (file: string) => boolean;
  /** Handles one complete line; resolves with how many memories it made durable. */
  handleLine: (line: string) => Promise<number>;
  log: Log;
}

/** Claude Code writes `<session>.jsonl`; rotation tools add a number (`.jsonl.1`), which keeps the renamed file readable to its end. */
const TRANSCRIPT = /\.jsonl(\.\d+)?$/;
const CHUNK_BYTES = 256 * 1024;
/** A longer "line" is not a transcript entry worth holding in memory; it is skipped to its newline. */
const MAX_LINE_BYTES = 32 * 1024 * 1024;
/** How much of the file start identifies it. */
const HEAD_BYTES = 4096;
const RETRY_MS = 5000;
/**
 * chokidar drops change events that follow another within 5 ms for the same file (its throttle
 * has no trailing call), so a burst of appends can end without an event for the last one. Reading
 * a little after the first event of a burst includes every write the dropped events stood for.
 */
const SETTLE_MS = 50;

/**
 * Follows transcript files under a directory and stores the memories extracted from each new
 * complete line. Offsets advance only past complete lines whose memories are durable, and are
 * saved right after each line that produced any, so a restart resumes without storing a line's
 * memories twice; the rare crash between a store and its offset save replays that one line and
 * the server's near-duplicate check absorbs it. A file that shrank, or whose first bytes changed,
 * was truncated or replaced and is read again from the start. A file with no saved offset is read
 * from the start if it appeared after the sidecar started (or `readExisting` picks it), else from
 * the end it had at start. Files are processed one at a time.
 */
export class TranscriptWatcher {
  private watcher: FSWatcher | null = null;
  private readonly dirty = new Set<string>();
  private running: Promise<void> | null = null;
  private settling: NodeJS.Timeout | null = null;
  /** Identities of files seen since start: everything else in the offsets file is stale. */
  private readonly seen = new Set<string>();
  /** chokidar reported the files present at start (they are in `existing`). */
  private ready = false;
  /** Files present at start, with their size then: what was already written is not new. */
  private readonly existing = new Map<string, number>();
  /** The files present at start have been read to their end. */
  private caughtUp = false;
  private linesRead = 0;
  private memoriesStored = 0;

  constructor(private readonly opts: TranscriptWatcherOptions) {}

  /** Resolves once the files already there are caught up. */
  async start(): Promise<void> {
    const watcher = watch(this.opts.dir, {
      ignored: (p, stats) => stats?.isFile() === true && !TRANSCRIPT.test(p),
      ignoreInitial: false,
    });
    this.watcher = watcher;
    watcher.on("add", (p, stats) => {
      if (!this.ready) this.existing.set(p, stats?.size ?? Number.MAX_SAFE_INTEGER);
      this.enqueue(p);
    });
    watcher.on("change", (p) => this.enqueue(p));
    watcher.on("error", (err) => this.opts.log("error", "watcher error", { error: err instanceof Error ? err.message : String(err) }));
    await new Promise<void>((resolve) => watcher.once("ready", resolve));
    this.ready = true;
    await this.idle();
    await this.opts.offsets.retain(this.seen);
    this.caughtUp = true;
  }

  async close(): Promise<void> {
    await this.watcher?.close();
    this.watcher = null;
    await this.idle();
  }

  status() {
    return { dir: this.opts.dir, caught_up: this.caughtUp, files: this.seen.size, lines_read: this.linesRead, memories_stored: this.memoriesStored };
  }

  private enqueue(file: string): void {
    this.dirty.add(file);
    if (this.settling) return;
    this.settling = setTimeout(() => {
      this.settling = null;
      this.kick();
    }, SETTLE_MS);
  }

  private kick(): void {
    if (this.running) return;
    this.running = (async () => {
      for (let next = this.takeDirty(); next !== undefined; next = this.takeDirty()) {
        try {
          await this.processFile(next);
        } catch (err) {
          this.opts.log("error", "reading transcript failed; will retry", { file: next, error: err instanceof Error ? err.message : String(err) });
          setTimeout(() => this.watcher && this.enqueue(next), RETRY_MS).unref();
        }
      }
    })().finally(() => {
      this.running = null;
      if (this.dirty.size) this.kick();
    });
  }

  private takeDirty(): string | undefined {
    const next = this.dirty.values().next();
    if (next.done) return undefined;
    this.dirty.delete(next.value);
    return next.value;
  }

  private async idle(): Promise<void> {
    while (this.running || this.settling) {
      if (this.running) await this.running;
      else await new Promise((r) => setTimeout(r, SETTLE_MS));
    }
  }

  private async processFile(file: string): Promise<void> {
    let fh: FileHandle;
    try {
      fh = await fs.open(file, "r");
    } catch (err) {
      if (isNotFound(err)) return; // rotated away between the event and now; its new name gets its own event
      throw err;
    }
    try {
      const stat = await fh.stat();
      if (!stat.isFile()) return;
      const identity = fileIdentity(stat);
      this.seen.add(identity);
      let cursor = this.opts.offsets.get(identity);
      if (cursor && !(await sameFile(fh, stat.size, cursor))) {
        this.opts.log("info", "transcript truncated or replaced; reading it from the start", { file });
        cursor = undefined;
      }
      const sizeAtStart = this.existing.get(file);
      if (!cursor && sizeAtStart !== undefined && !this.opts.readExisting(file)) {
        cursor = { path: file, offset: await lastLineEnd(fh, Math.min(sizeAtStart, stat.size)), head: null, headBytes: 0 };
        this.opts.log("info", "following a transcript from its end", { file, offset: cursor.offset });
      }
      this.existing.delete(file);
      await this.consume(fh, file, identity, stat.size, cursor ?? { path: file, offset: 0, head: null, headBytes: 0 });
    } finally {
      await fh.close();
    }
  }

  /** Reads from the cursor to `size`; an incomplete last line stays unread until its newline arrives. */
  private async consume(fh: FileHandle, file: string, identity: string, size: number, cursor: FileCursor): Promise<void> {
    let consumed = cursor.offset;
    // A new cursor, or one whose file was renamed, is saved even when no line follows.
    let saved = cursor.path === file && cursor.head !== null ? cursor.offset : -1;
    const save = async () => {
      const head = await headOf(fh, consumed, cursor);
      await this.opts.offsets.set(identity, { path: file, offset: consumed, ...head });
      saved = consumed;
    };

    // The unfinished line so far, as the pieces it came in, joined once when its newline
    // arrives: appending each chunk to one buffer and searching it again from its start was
    // quadratic in a long line (a 32 MB line is 128 chunks).
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let pendingStart = consumed; // file position of the unfinished line
    let skipping = false;
    for (let readPos = consumed; readPos < size; ) {
      const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, size - readPos));
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, readPos);
      if (bytesRead === 0) break;
      const data = chunk.subarray(0, bytesRead);
      const dataStart = readPos; // file position of data[0]
      readPos += bytesRead;
      let start = 0;
      for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
        const line = pending.length ? Buffer.concat([...pending, data.subarray(start, nl)]) : data.subarray(start, nl);
        pending = [];
        pendingBytes = 0;
        start = nl + 1;
        const stored = skipping ? 0 : await this.handleLine(line.toString("utf8"));
        skipping = false;
        consumed = dataStart + start;
        if (stored > 0) await save();
      }
      if (start === data.length || skipping) continue;
      if (pending.length === 0) pendingStart = dataStart + start;
      pending.push(data.subarray(start));
      pendingBytes += data.length - start;
      if (pendingBytes > MAX_LINE_BYTES) {
        this.opts.log("warn", "transcript line too long; skipping it", { file, offset: pendingStart });
        skipping = true;
        pending = [];
        pendingBytes = 0;
      }
    }
    if (consumed !== saved) await save();
  }

  private async handleLine(line: string): Promise<number> {
    this.linesRead++;
    const stored = await this.opts.handleLine(line);
    this.memoriesStored += stored;
    return stored;
  }
}

/** Where the last complete line ends: following from the end must not start inside a line. */
async function lastLineEnd(fh: FileHandle, size: number): Promise<number> {
  const length = Math.min(size, CHUNK_BYTES);
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, size - length);
  const nl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
  // No newline in the last chunk: one huge partial line, skipped like any line over the limit.
  return nl === -1 ? size : size - length + nl + 1;
}

/** Not shorter than what was consumed, and the same first bytes: the same file, grown or unchanged. */
async function sameFile(fh: FileHandle, size: number, cursor: FileCursor): Promise<boolean> {
  if (size < cursor.offset) return false;
  if (cursor.head === null) return true;
  const buf = Buffer.alloc(cursor.headBytes);
  const { bytesRead } = await fh.read(buf, 0, cursor.headBytes, 0);
  return bytesRead === cursor.headBytes && sha256(buf) === cursor.head;
}

/** The hash of the first bytes read so far, up to HEAD_BYTES; recomputed only while it can still grow. */
async function headOf(fh: FileHandle, consumed: number, previous: FileCursor): Promise<Pick<FileCursor, "head" | "headBytes">> {
  const length = Math.min(consumed, HEAD_BYTES);
  if (length === 0) return { head: null, headBytes: 0 };
  if (previous.head !== null && previous.headBytes === length) return { head: previous.head, headBytes: length };
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, 0);
  return { head: sha256(buf.subarray(0, bytesRead)), headBytes: bytesRead };
}

function sha256(buf: Buffer): string {
  return createHash("sha256").update(buf).digest("hex");
}
