import fs from "node:fs";
import { z } from "zod";
import { evaluate, isRule, warnByMeaning, type GuardSignal } from "./guard.js";
import type { EmbeddingMeaning } from "./guard-meaning.js";

/**
 * The labelled guard cases (guard-cases.json) and how a decision set is scored: the test of the
 * guard's floors and `bench/guard.ts` both read them through here.
 */
const caseSchema = z.object({
  rule: z.string().min(1),
  kind: z.enum(["rule", "static", "plain"]),
  importance: z.number().int().min(1).max(10),
  action: z.string().min(1),
  expected: z.enum(["allow", "warn", "block"]),
  critical: z.boolean(),
});
export type GuardCase = z.infer<typeof caseSchema>;

export const GUARD_CASES_FILE = new URL("../../src/intelligence/guard-cases.json", import.meta.url);

export function loadGuardCases(file: URL | string = GUARD_CASES_FILE): GuardCase[] {
  return z.object({ cases: z.array(caseSchema) }).parse(JSON.parse(fs.readFileSync(file, "utf8"))).cases;
}

/** One case decided as the service decides it: the rule alone in the user's store. */
export async function decideCase(c: GuardCase, meaning: EmbeddingMeaning | null): Promise<GuardSignal> {
  const rule = { id: 1, content: c.rule, importance: c.importance };
  const rules = isRule({ category: c.kind === "rule" ? "rule" : "general", isStatic: c.kind === "static", content: c.rule }) ? [rule] : [];
  const verdict = evaluate(c.action, rules);
  if (verdict.signal !== "allow" || rules.length === 0 || !meaning) return verdict.signal;
  const matches = await meaning.matches(c.action, rules);
  return matches ? warnByMeaning(verdict, rules, matches.map((m) => m.id)).signal : verdict.signal;
}

export interface SignalScore {
  precision: number;
  recall: number;
  predicted: number;
  expected: number;
  correct: number;
}

/** Precision and recall of one signal over (expected, decided) pairs. */
export function scoreSignal(pairs: readonly { expected: GuardSignal; decided: GuardSignal }[], signal: GuardSignal): SignalScore {
  const predicted = pairs.filter((p) => p.decided === signal).length;
  const expected = pairs.filter((p) => p.expected === signal).length;
  const correct = pairs.filter((p) => p.decided === signal && p.expected === signal).length;
  return { precision: predicted ? correct / predicted : 1, recall: expected ? correct / expected : 1, predicted, expected, correct };
}
