/**
 * The one way a write reaches the subsystems that keep views of a tenant's memories (the vector
 * index, the search cache, the graph): the writer emits what changed, each view subscribes once
 * in `createEngram`. Writers never know who listens, so a new view is one subscription.
 */

/** One change to a tenant's memories, as much as a view needs to bring itself up to date. */
export type MemoryChange =
  /** A memory (or a new version of one) was stored, or its vector arrived from the backfill. */
  | { kind: "written"; memoryId: number; vector: Float32Array | null }
  /** A memory was deleted for good. */
  | { kind: "deleted"; memoryId: number }
  /** Fields that rank a memory changed: status, tags, an FSRS review, links or graph scores. */
  | { kind: "ranking" };

/** After a commit: these changes of this tenant are durable. */
export interface MemoriesChanged {
  userId: number;
  changes: readonly MemoryChange[];
}

/**
 * Inside the delete's transaction, before the row goes: subsystems remove what they derived from
 * it in the same commit. `restoredId` is the parent version that becomes the latest again, if any.
 */
export interface MemoryDeleting {
  userId: number;
  memoryId: number;
  restoredId: number | null;
}

/**
 * Inside the transaction of a lifecycle change (forget, archive, unarchive; and `superseded` by a
 * correction or deduplication, `rejected` in review): what was derived from the memory follows in
 * the same commit (its facts close when it is forgotten, superseded or rejected).
 */
export interface MemoryStatusChanging {
  userId: number;
  memoryId: number;
  from: string;
  to: string;
}

type Listener<E> = (event: E) => void;

export class MemoryEvents {
  private readonly changed: Listener<MemoriesChanged>[] = [];
  private readonly deleting: Listener<MemoryDeleting>[] = [];
  private readonly statusChanging: Listener<MemoryStatusChanging>[] = [];

  /**
   * `afterCommit` holds a change emitted inside a transaction until it commits (and drops it on
   * a rollback): a write made inside a larger transaction (POST /batch) must not reach the
   * views before its commit is certain. Outside a transaction it runs at once.
   */
  constructor(private readonly afterCommit: (fn: () => void) => void = (fn) => fn()) {}

  /** Listens to committed changes. Listeners run synchronously, in subscription order, after the commit. */
  onChanged(listener: Listener<MemoriesChanged>): void {
    this.changed.push(listener);
  }

  /** Listens to deletes in their transaction; a listener that throws rolls the delete back. */
  onDeleting(listener: Listener<MemoryDeleting>): void {
    this.deleting.push(listener);
  }

  /** Listens to lifecycle changes in their transaction; a listener that throws rolls the change back. */
  onStatusChanging(listener: Listener<MemoryStatusChanging>): void {
    this.statusChanging.push(listener);
  }

  emitStatusChanging(event: MemoryStatusChanging): void {
    for (const listener of this.statusChanging) listener(event);
  }

  emitChanged(event: MemoriesChanged): void {
    if (event.changes.length === 0) return;
    this.afterCommit(() => {
      for (const listener of this.changed) listener(event);
    });
  }

  emitDeleting(event: MemoryDeleting): void {
    for (const listener of this.deleting) listener(event);
  }
}
