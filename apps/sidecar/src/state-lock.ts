import fs from "node:fs/promises";
import path from "node:path";
import { isNotFound, PRIVATE_FILE_MODE, replaceAtomic } from "./durable-fs.js";

const LOCK = "sidecar.json";

export class StateDirBusyError extends Error {}

/**
 * One sidecar per state dir: two would replay the same buffer. `sidecar.json` holds the owner's
 * pid and, once it listens, its URL and the token every request must carry, so hooks and
 * scripts of the same user can find and call a session's sidecar (mode 0600: nobody else can).
 * A file left by a process that no longer runs (a crash, SIGKILL) is taken over.
 */
export class StateLock {
  private constructor(private readonly file: string) {}

  static async acquire(dir: string): Promise<StateLock> {
    const file = path.join(dir, LOCK);
    const body = JSON.stringify({ pid: process.pid, started_at: new Date().toISOString() });
    try {
      await fs.writeFile(file, body, { flag: "wx", mode: PRIVATE_FILE_MODE });
      await fs.chmod(file, PRIVATE_FILE_MODE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = await ownerPid(file);
      if (owner !== null && owner !== process.pid && isAlive(owner)) {
        throw new StateDirBusyError(`state dir ${dir} is in use by engram-sidecar pid ${owner}`);
      }
      await replaceAtomic(file, body);
    }
    return new StateLock(file);
  }

  async announce(info: Record<string, unknown>): Promise<void> {
    await replaceAtomic(this.file, JSON.stringify({ pid: process.pid, ...info }));
  }

  async release(): Promise<void> {
    try {
      await fs.unlink(this.file);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

async function ownerPid(file: string): Promise<number | null> {
  try {
    const pid = (JSON.parse(await fs.readFile(file, "utf8")) as { pid?: unknown }).pid;
    return typeof pid === "number" ? pid : null;
  } catch {
    return null; // unreadable or half-written: nobody can be relying on it
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, owned by someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
