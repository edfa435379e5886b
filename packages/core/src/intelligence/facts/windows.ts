/**
 * Validity windows of one slot (a subject and an exclusive predicate; for `has`, also the object),
 * as pure planning: given the slot's stored windows and a new fact's valid_at, which windows close
 * and where the new one ends. Windows of a slot never overlap (contracts/intelligence.md §4).
 */

export interface Window {
  id: number;
  validAt: string;
  invalidAt: string | null;
}

export interface WindowPlan {
  /** Windows still open at the new fact's start: each closes there, invalidated by the new fact. */
  close: number[];
  /** Where the new fact's window ends: at the next stored window's start, invalidated by it; null = open. */
  end: { at: string; by: number } | null;
}

/**
 * A new fact from `validAt` on. A stored window that covers that instant closes at it. If a stored
 * window starts later (the new fact is older than the current one) the new fact is stored already
 * closed where the earliest such window starts. Ties go to the new fact: a restatement at the
 * same instant takes over the slot.
 */
export function planWindow(slot: readonly Window[], validAt: string): WindowPlan {
  const close = slot.filter((w) => w.validAt <= validAt && (w.invalidAt === null || w.invalidAt > validAt)).map((w) => w.id);
  const later = slot.filter((w) => w.validAt > validAt).sort((a, b) => (a.validAt < b.validAt ? -1 : a.validAt > b.validAt ? 1 : a.id - b.id));
  const next = later[0];
  return { close, end: next ? { at: next.validAt, by: next.id } : null };
}
