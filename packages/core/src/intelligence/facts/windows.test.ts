import { describe, expect, it } from "vitest";
import { planWindow } from "./windows.js";
import { conflictKind } from "./contradictions.js";

const w = (id: number, validAt: string, invalidAt: string | null = null) => ({ id, validAt, invalidAt });

describe("validity windows", () => {
  it("a newer fact closes the open window at its start", () => {
    expect(planWindow([w(1, "2026-01")], "2026-03")).toEqual({ close: [1], end: null });
  });

  it("an older new fact is stored already closed where the current one starts", () => {
    expect(planWindow([w(1, "2026-03")], "2026-01")).toEqual({ close: [], end: { at: "2026-03", by: 1 } });
  });

  it("a fact between two windows splits the earlier one and ends at the later one", () => {
    const slot = [w(1, "2026-01", "2026-05"), w(2, "2026-05")];
    expect(planWindow(slot, "2026-03")).toEqual({ close: [1], end: { at: "2026-05", by: 2 } });
  });

  it("an already closed window before the new start stays as it is", () => {
    expect(planWindow([w(1, "2026-01", "2026-02")], "2026-03")).toEqual({ close: [], end: null });
  });
});

describe("contradiction kinds", () => {
  const base = { predicate: "lives_in", normA: "berlin", normB: "munich", negatedA: 0, negatedB: 0, exclusive: 1, quantityA: null, quantityB: null };
  it("value: exclusive predicate, different objects", () => expect(conflictKind(base)).toBe("value"));
  it("no value conflict for a non-exclusive predicate", () => expect(conflictKind({ ...base, predicate: "likes", exclusive: 0 })).toBeNull());
  it("negation: same object, one negated", () => expect(conflictKind({ ...base, predicate: "likes", exclusive: 0, normB: "berlin", negatedB: 1 })).toBe("negation"));
  it("quantity: has, same object, another count", () => {
    expect(conflictKind({ ...base, predicate: "has", normB: "berlin", quantityA: 2, quantityB: 3 })).toBe("quantity");
    expect(conflictKind({ ...base, predicate: "has", quantityA: 2, quantityB: 3 })).toBeNull();
  });
  it("a restatement is no conflict", () => expect(conflictKind({ ...base, normB: "berlin" })).toBeNull());
});
