import { z } from "zod";
import { keepValid, type LlmClient } from "../llm/index.js";
import { leadingWindow } from "../text/index.js";
import type { GuardRule } from "./guard.js";

/**
 * The LLM's judgement of meaning for the guard (contracts/intelligence.md §3, "guard
 * (semantic)"): given the action and the user's rules, which rules does it break? Its answer
 * may only raise an `allow` to a `warn`; rule ids it names that were not sent are dropped, and
 * a violation counts from LLM_MIN_CONFIDENCE. Any failure (none configured, busy, timeout,
 * garbage, every item invalid) returns null and the embedder's judgement is used instead.
 */
export const LLM_MIN_CONFIDENCE = 0.5;
/** Rules sent per check, the most important first, each cut to RULE_CHARS: the prompt stays bounded. */
export const LLM_MAX_RULES = 40;
const RULE_CHARS = 500;

const SYSTEM = `You check an action an AI agent is about to take against the user's standing rules.
Each rule has an id. Name every rule the action would break, including when the action words it differently
(a paraphrase, a synonym, a command that does what the rule forbids). Do not name rules that merely share a word.
Answer with JSON only: {"violations":[{"rule_id":<id>,"confidence":<0..1>}]}; an empty list when no rule is broken.`;

const violation = z.object({ rule_id: z.number().int(), confidence: z.number().min(0).max(1) });
const answer = z.object({ violations: z.array(z.unknown()).max(200) }).transform((a) => ({ sent: a.violations.length, kept: keepValid(violation, a.violations, LLM_MAX_RULES) }));

/** The ids of the rules the LLM says the action breaks (possibly none), or null when it gave no usable answer. */
export async function llmViolations(llm: LlmClient, action: string, rules: readonly GuardRule[]): Promise<number[] | null> {
  if (!llm.configured) return null;
  const sent = [...rules].sort((a, b) => b.importance - a.importance || a.id - b.id).slice(0, LLM_MAX_RULES);
  const input = `Action: ${action}\n\nRules:\n${sent.map((r) => `- id ${r.id}: ${leadingWindow(r.content, RULE_CHARS).replace(/\s+/g, " ").trim()}`).join("\n")}`;
  const result = await llm.complete({ feature: "guard", system: SYSTEM, input, schema: answer, temperature: 0.1, maxTokens: 400 });
  if (!result.ok) return null;
  // Items were sent but none was valid: an answer in the wrong shape, not a "no violation".
  if (result.value.sent > 0 && result.value.kept.length === 0) return null;
  const ids = new Set(sent.map((r) => r.id));
  return result.value.kept
    .filter((v) => ids.has(v.rule_id) && v.confidence >= LLM_MIN_CONFIDENCE)
    .sort((a, b) => b.confidence - a.confidence)
    .map((v) => v.rule_id);
}
