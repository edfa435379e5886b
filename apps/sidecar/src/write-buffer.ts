import fs from "node:fs/promises";
import path from "node:path";
import type { StoreRequest } from "@engram/client";
import { appendDurable, PRIVATE_DIR_MODE, readIfExists, replaceAtomic } from "./durable-fs.js";

export interface BufferedWrite {
  /** Monotonic across restarts: the order the writes were acknowledged in, and the order they replay in. */
  seq: number;
  buffered_at: string;
  request: StoreRequest;
}

const ENTRIES = "buffer.jsonl";
const CURSOR = "buffer.ack.json";
const REJECTED = "rejected.jsonl";

/**
 * Stores acknowledged while engram-server was unreachable, kept on disk until the server took them.
 *
 * `buffer.jsonl` is append-only: one fsync'ed line per write. `buffer.ack.json` holds the highest
 * seq the server confirmed, replaced atomically after each confirmation, so removing an entry
 * never rewrites the log. A crash between the server's answer and the cursor update replays that
 * one entry (at-least-once); the server's SimHash near-duplicate check then answers "duplicate"
 * instead of storing it twice. Entries the server refuses for good (a 4xx that retrying cannot
 * fix) move to `rejected.jsonl` so one bad entry cannot block the queue forever.
 *
 * Not safe for concurrent use: the Writer serializes every call.
 */
export class WriteBuffer {
  private constructor(
    private readonly dir: string,
    private readonly pending: BufferedWrite[],
    private lastSeq: number,
    private rejectedCount: number,
  ) {}

  static async open(dir: string): Promise<WriteBuffer> {
    await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const cursorText = await readIfExists(path.join(dir, CURSOR));
    const acked = cursorText === undefined ? 0 : parseCursor(cursorText);
    const text = (await readIfExists(path.join(dir, ENTRIES))) ?? "";
    // Text after the last newline is an append that died before its fsync returned: it was
    // never acknowledged, so it is dropped (and cut off below, so the next append starts clean).
    const complete = text.slice(0, text.lastIndexOf("\n") + 1);
    const all = complete
      .split("\n")
      .filter((l) => l.length > 0)
      .map((line, i) => parseEntry(line, i + 1));
    const pending = all.filter((e) => e.seq > acked);
    const lastSeq = all.reduce((max, e) => Math.max(max, e.seq), acked);
    const rejectedText = (await readIfExists(path.join(dir, REJECTED))) ?? "";
    const buffer = new WriteBuffer(dir, pending, lastSeq, rejectedText.split("\n").filter(Boolean).length);
    if (pending.length !== all.length || complete.length !== text.length) await buffer.compact();
    return buffer;
  }

  get size(): number {
    return this.pending.length;
  }

  get rejected(): number {
    return this.rejectedCount;
  }

  /** The oldest write not yet confirmed by the server. */
  get head(): BufferedWrite | undefined {
    return this.pending[0];
  }

  /** Durable when it resolves; `position` is the write's 1-based place in the queue. */
  async append(request: StoreRequest): Promise<{ seq: number; position: number }> {
    const entry: BufferedWrite = { seq: this.lastSeq + 1, buffered_at: new Date().toISOString(), request };
    await appendDurable(this.file(ENTRIES), `${JSON.stringify(entry)}\n`);
    this.lastSeq = entry.seq;
    this.pending.push(entry);
    return { seq: entry.seq, position: this.pending.length };
  }

  /** The server confirmed the head entry. */
  async ack(seq: number): Promise<void> {
    this.expectHead(seq);
    await replaceAtomic(this.file(CURSOR), JSON.stringify({ acked_seq: seq }));
    this.pending.shift();
    if (this.pending.length === 0) await this.compact();
  }

  /** The server refused the head entry for good: keep it aside with the reason, then drop it from the queue. */
  async reject(seq: number, status: number, error: string): Promise<void> {
    const entry = this.expectHead(seq);
    await appendDurable(this.file(REJECTED), `${JSON.stringify({ ...entry, status, error, rejected_at: new Date().toISOString() })}\n`);
    this.rejectedCount++;
    await this.ack(seq);
  }

  /**
   * Rewrites the log with only the pending entries. The cursor already covers everything dropped,
   * and it keeps the last seq when the log becomes empty, so seq stays monotonic across restarts.
   */
  private async compact(): Promise<void> {
    await replaceAtomic(this.file(ENTRIES), this.pending.map((e) => `${JSON.stringify(e)}\n`).join(""));
  }

  private expectHead(seq: number): BufferedWrite {
    const head = this.pending[0];
    if (!head || head.seq !== seq) throw new Error(`write buffer: ${seq} is not the oldest pending write`);
    return head;
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }
}

function parseCursor(text: string): number {
  const acked = (JSON.parse(text) as { acked_seq?: unknown }).acked_seq;
  if (typeof acked !== "number" || !Number.isSafeInteger(acked) || acked < 0) throw new Error(`write buffer: ${CURSOR} is corrupt: ${text}`);
  return acked;
}

/** Lines were fsync'ed whole, so one that does not parse means the file was damaged: fail loudly rather than drop acknowledged writes. */
function parseEntry(line: string, lineNo: number): BufferedWrite {
  try {
    const entry = JSON.parse(line) as BufferedWrite;
    if (Number.isSafeInteger(entry.seq) && entry.request && typeof entry.request.content === "string") return entry;
  } catch {
    // reported below
  }
  throw new Error(`write buffer: ${ENTRIES} line ${lineNo} is corrupt; fix or move the file before restarting`);
}
