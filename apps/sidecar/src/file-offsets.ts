import { readIfExists, replaceAtomic } from "./durable-fs.js";

/**
 * How far the watcher got in one transcript file. Keyed by file identity (device and inode)
 * rather than path, so a file renamed by rotation keeps its place and a new file at the old
 * path starts from 0. Inodes get reused after a delete, so the first line's hash confirms it is
 * still the same file before an offset is trusted.
 */
export interface FileCursor {
  path: string;
  /** Bytes consumed through the last complete line. */
  offset: number;
  /** sha256 of the first line (newline included), once one was read. */
  head: string | null;
  headBytes: number;
}

export function fileIdentity(stat: { dev: number; ino: number }): string {
  return `${stat.dev}:${stat.ino}`;
}

/** `watch-offsets.json` in the state dir, replaced atomically on every save. */
export class FileOffsets {
  private constructor(
    private readonly file: string,
    private readonly cursors: Map<string, FileCursor>,
  ) {}

  static async open(file: string): Promise<FileOffsets> {
    const text = await readIfExists(file);
    const saved = text === undefined ? {} : (JSON.parse(text) as Record<string, FileCursor>);
    return new FileOffsets(file, new Map(Object.entries(saved)));
  }

  get(identity: string): FileCursor | undefined {
    return this.cursors.get(identity);
  }

  async set(identity: string, cursor: FileCursor): Promise<void> {
    this.cursors.set(identity, cursor);
    await this.save();
  }

  /** Forgets files that no longer exist, so a reused inode cannot inherit a stale entry. */
  async retain(identities: ReadonlySet<string>): Promise<void> {
    const before = this.cursors.size;
    for (const id of this.cursors.keys()) if (!identities.has(id)) this.cursors.delete(id);
    if (this.cursors.size !== before) await this.save();
  }

  private save(): Promise<void> {
    return replaceAtomic(this.file, JSON.stringify(Object.fromEntries(this.cursors), null, 1));
  }
}
