import fs from "node:fs";
import path from "node:path";
import type { FileHandle } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../../../test/support/server.js";
import { appendDurable, diskSync, replaceAtomic } from "../src/durable-fs.js";

/**
 * A SIGKILL leaves written bytes in the OS cache, so the crash tests in buffer.test.ts pass
 * with or without a sync: these count the syncs themselves, naming each synced file by inode.
 */

const real = { ...diskSync };
afterEach(() => Object.assign(diskSync, real));

/** Records each sync as `<kind> <path>` (the folder or one of its files, found by inode), then performs it. */
function recordSyncs(dir: string): string[] {
  const seen: string[] = [];
  const name = async (fh: FileHandle) => {
    const { ino } = await fh.stat();
    const paths = [dir, ...fs.readdirSync(dir).map((f) => path.join(dir, f))];
    return paths.find((p) => fs.statSync(p).ino === ino) ?? "?";
  };
  diskSync.data = async (fh) => {
    seen.push(`data ${await name(fh)}`);
    await real.data(fh);
  };
  diskSync.full = async (fh) => {
    seen.push(`full ${await name(fh)}`);
    await real.full(fh);
  };
  return seen;
}

describe("durable file writes reach the disk before they return", () => {
  it("syncs an append's data, and a new file's directory entry", async () => {
    const dir = tempDir("engram-durable-");
    const file = path.join(dir, "buffer.jsonl");
    const syncs = recordSyncs(dir);
    await appendDurable(file, "first\n");
    expect(syncs).toEqual([`data ${file}`, `full ${dir}`]);
    syncs.length = 0;
    await appendDurable(file, "second\n");
    expect(syncs).toEqual([`data ${file}`]);
    expect(fs.readFileSync(file, "utf8")).toBe("first\nsecond\n");
  });

  it("syncs a replacement's content before the rename, and the directory after it", async () => {
    const dir = tempDir("engram-durable-");
    const file = path.join(dir, "offsets.json");
    fs.writeFileSync(file, "old");
    const syncs = recordSyncs(dir);
    let beforeRename: string | undefined;
    diskSync.full = ((record) => async (fh: FileHandle) => {
      // The temp file is synced while `file` still holds the old content.
      beforeRename ??= fs.readFileSync(file, "utf8");
      await record(fh);
    })(diskSync.full);
    await replaceAtomic(file, "new");
    expect(syncs).toEqual([`full ${file}.tmp-${process.pid}`, `full ${dir}`]);
    expect(beforeRename).toBe("old");
    expect(fs.readFileSync(file, "utf8")).toBe("new");
  });
});
