/**
 * The open MCP sessions of the HTTP transport, with the limits that keep one client (or a
 * stream of made-up ones) from holding the process's memory: each session costs an McpServer,
 * a transport and a client (about 250 KB: 5,000 of them took 1.2 GB), so their number is
 * capped in total and per key, and idle ones are closed, sooner when they never called a tool.
 */

export interface SessionLimits {
  /** Sessions open at once, all keys together (ENGRAM_MCP_MAX_SESSIONS). */
  maxSessions: number;
  /** Sessions open at once with one key (ENGRAM_MCP_MAX_SESSIONS_PER_KEY). */
  maxSessionsPerKey: number;
  /** Idle time after which a session that never called a tool is closed (ENGRAM_MCP_UNUSED_SESSION_IDLE_SECS). */
  unusedIdleMs: number;
  /** Idle time after which any session is closed: clients that vanish without a DELETE must not pile up. */
  idleMs: number;
}

export interface Refusal {
  /** 429: this key is at its own cap; 503: the process is at the total cap. */
  status: 429 | 503;
  message: string;
  /** When the first slot that counts frees up at the latest, unless its session is used meanwhile. */
  retryAfterSecs: number;
}

/** A place held for a session being opened; release it whether the session was kept or not (twice is harmless). */
export interface Reservation {
  release(): void;
}

interface Entry<T> {
  keyId: string;
  value: T;
  used: boolean;
  deadline: number;
  timer: NodeJS.Timeout | undefined;
}

export class SessionTable<T> {
  private readonly entries = new Map<string, Entry<T>>();
  /** Places held by initialize requests in flight, per key: without them concurrent requests could all pass a cap. */
  private readonly reserved = new Map<string, number>();
  private reservedTotal = 0;

  constructor(
    private readonly limits: SessionLimits,
    /** Called after an idle session was dropped from the table; `used` says whether it ever called a tool. */
    private readonly onIdle: (id: string, value: T, used: boolean) => void,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  reserve(keyId: string): Reservation | Refusal {
    const forKey = [...this.entries.values()].filter((e) => e.keyId === keyId);
    if (forKey.length + (this.reserved.get(keyId) ?? 0) >= this.limits.maxSessionsPerKey) {
      return {
        status: 429,
        message: `this key already has ${this.limits.maxSessionsPerKey} MCP sessions open; end one (DELETE with its Mcp-Session-Id) or wait until an idle one is closed`,
        retryAfterSecs: secondsUntilFirst(forKey),
      };
    }
    if (this.entries.size + this.reservedTotal >= this.limits.maxSessions) {
      return {
        status: 503,
        message: `engram-mcp has ${this.limits.maxSessions} sessions open, its limit; try again once an idle one is closed`,
        retryAfterSecs: secondsUntilFirst([...this.entries.values()]),
      };
    }
    this.reserved.set(keyId, (this.reserved.get(keyId) ?? 0) + 1);
    this.reservedTotal++;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        const n = this.reserved.get(keyId)! - 1;
        if (n === 0) this.reserved.delete(keyId);
        else this.reserved.set(keyId, n);
        this.reservedTotal--;
      },
    };
  }

  /** Keeps a session that initialized; the caller then releases the reservation it held. */
  add(id: string, keyId: string, value: T): void {
    const entry: Entry<T> = { keyId, value, used: false, deadline: 0, timer: undefined };
    this.entries.set(id, entry);
    this.schedule(id, entry);
  }

  get(id: string): T | undefined {
    return this.entries.get(id)?.value;
  }

  /** A request arrived for the session: its idle time starts again. */
  touch(id: string): void {
    const entry = this.entries.get(id);
    if (entry) this.schedule(id, entry);
  }

  /** The session called a tool: from now on it gets the long idle time. */
  markUsed(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.used = true;
    this.schedule(id, entry);
  }

  delete(id: string): T | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.entries.delete(id);
    return entry.value;
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  private schedule(id: string, entry: Entry<T>): void {
    clearTimeout(entry.timer);
    const idleMs = entry.used ? this.limits.idleMs : this.limits.unusedIdleMs;
    entry.deadline = Date.now() + idleMs;
    entry.timer = setTimeout(() => {
      if (this.entries.get(id) !== entry) return;
      this.entries.delete(id);
      this.onIdle(id, entry.value, entry.used);
    }, idleMs);
    entry.timer.unref();
  }
}

function secondsUntilFirst(entries: Entry<unknown>[]): number {
  const first = Math.min(...entries.map((e) => e.deadline));
  return Number.isFinite(first) ? Math.max(1, Math.ceil((first - Date.now()) / 1000)) : 1;
}
