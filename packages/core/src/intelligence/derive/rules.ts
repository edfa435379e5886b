/** A premise fact as derivation reads it. */
export interface PremiseFact {
  id: number;
  memoryId: number;
  subject: string;
  predicate: string;
  object: string;
  objectNorm: string;
  negated: boolean;
  exclusive: boolean;
  validAt: string;
  confidence: number;
}

/** A conclusion and the memories it follows from. */
export interface Derived {
  content: string;
  sourceIds: number[];
  confidence: number;
}

const PHRASES: Record<string, string> = {
  lives_in: "lives in",
  works_at: "works at",
  works_as: "works as",
  located_in: "is located in",
  name: "is named",
  age: "is aged",
  likes: "likes",
  is: "is",
  has: "has",
};
/** Each step of reasoning costs a little certainty. */
const STEP = 0.9;

const phrase = (predicate: string) => PHRASES[predicate] ?? predicate.replace(/_/g, " ");
const display = (subject: string) => subject.replace(/\b\w/g, (c) => c.toUpperCase());
const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Rules-only derivation (contracts/intelligence.md §5.1): fact chaining, where a fact's object is
 * another fact's subject ("User works at Acme" + "Acme is located in Oslo" → "User works at Acme,
 * which is located in Oslo"), and value changes of an exclusive predicate ("User changed lives in
 * from Berlin to Munich on 2026-05-10"). Negated facts take part in neither.
 */
export function deriveByRules(facts: readonly PremiseFact[], limit: number): Derived[] {
  const positive = facts.filter((f) => !f.negated);
  const out = new Map<string, Derived>();
  const add = (d: Derived) => {
    if (!out.has(d.content)) out.set(d.content, { ...d, sourceIds: [...new Set(d.sourceIds)] });
  };
  const bySubject = new Map<string, PremiseFact[]>();
  for (const f of positive) bySubject.set(f.subject, [...(bySubject.get(f.subject) ?? []), f]);
  for (const a of positive) {
    for (const b of bySubject.get(a.objectNorm) ?? []) {
      if (b.subject === a.subject || b.id === a.id) continue;
      add({
        content: `${display(a.subject)} ${phrase(a.predicate)} ${a.object}, which ${phrase(b.predicate)} ${b.object}`,
        sourceIds: [a.memoryId, b.memoryId],
        confidence: round(Math.min(a.confidence, b.confidence) * STEP),
      });
    }
  }
  const slots = new Map<string, PremiseFact[]>();
  for (const f of positive.filter((f) => f.exclusive && f.predicate !== "has")) {
    const key = `${f.subject}\u0000${f.predicate}`;
    slots.set(key, [...(slots.get(key) ?? []), f]);
  }
  for (const slot of slots.values()) {
    const timeline = [...slot].sort((x, y) => (x.validAt < y.validAt ? -1 : x.validAt > y.validAt ? 1 : x.id - y.id));
    for (let i = 1; i < timeline.length; i++) {
      const [from, to] = [timeline[i - 1]!, timeline[i]!];
      if (from.objectNorm === to.objectNorm) continue;
      add({
        content: `${display(to.subject)} changed ${phrase(to.predicate)} from ${from.object} to ${to.object} on ${to.validAt.slice(0, 10)}`,
        sourceIds: [from.memoryId, to.memoryId],
        confidence: round(Math.min(from.confidence, to.confidence) * STEP),
      });
    }
  }
  return [...out.values()].slice(0, limit);
}
