/** Contradictions between two facts (contracts/intelligence.md §4), as the routes show them. */

export type ContradictionKind = "value" | "negation" | "quantity";

/** A pair of facts of one user, same subject and predicate, that cannot both hold; `a` is the older memory's. */
export interface Contradiction {
  memoryA: number;
  memoryB: number;
  kind: ContradictionKind;
  subject: string;
  predicate: string;
  objectA: string;
  objectB: string;
  factA: number;
  factB: number;
  confidence: number;
  description: string;
}

/** The stored pair a contradiction is made of (the storage query finds the candidates). */
export interface FactPair {
  factA: number;
  factB: number;
  memoryA: number;
  memoryB: number;
  subject: string;
  predicate: string;
  objectA: string;
  objectB: string;
  normA: string;
  normB: string;
  negatedA: number;
  negatedB: number;
  exclusive: number;
  quantityA: number | null;
  quantityB: number | null;
  confidenceA: number;
  confidenceB: number;
}

/**
 * The kind of conflict between two facts of one subject and predicate, or null when both can hold:
 * `quantity` (has, same object, other count), `negation` (same object, one negated), `value`
 * (exclusive predicate, different objects, neither negated).
 */
export function conflictKind(p: Omit<FactPair, "factA" | "factB" | "memoryA" | "memoryB" | "subject" | "objectA" | "objectB" | "confidenceA" | "confidenceB">): ContradictionKind | null {
  if (p.predicate === "has") {
    return p.normA === p.normB && !p.negatedA && !p.negatedB && p.quantityA !== p.quantityB ? "quantity" : null;
  }
  if (p.normA === p.normB) return p.negatedA !== p.negatedB ? "negation" : null;
  return p.exclusive && !p.negatedA && !p.negatedB ? "value" : null;
}

export function toContradiction(p: FactPair): Contradiction | null {
  const kind = conflictKind(p);
  if (!kind) return null;
  return {
    memoryA: p.memoryA,
    memoryB: p.memoryB,
    kind,
    subject: p.subject,
    predicate: p.predicate,
    objectA: p.objectA,
    objectB: p.objectB,
    factA: p.factA,
    factB: p.factB,
    confidence: Math.round(Math.min(p.confidenceA, p.confidenceB) * 0.8 * 1000) / 1000,
    description: `Conflicting ${p.predicate}: '${p.objectA}' vs '${p.objectB}' (subject: ${p.subject})`,
  };
}
