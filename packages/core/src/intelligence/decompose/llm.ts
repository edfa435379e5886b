import { z } from "zod";
import { keepValid, type LlmClient } from "../../llm/index.js";
import { MAX_FACTS } from "./rules.js";
import type { Decomposer } from "./service.js";

const statement = z.string().trim().min(5).max(1000);
const answer = z.object({
  facts: z
    .array(z.unknown())
    .optional()
    .transform((items) => keepValid(statement, items ?? [], MAX_FACTS)),
  skip: z.boolean().optional(),
});

const PROMPT = `Split the text into atomic, self-contained statements: each one sentence that makes sense alone (replace pronouns with the names they stand for) and keeps every value exactly (IP addresses, paths, versions, dates, names, numbers). Drop filler and remarks about the conversation. Answer with JSON only: {"facts": [string], "skip": boolean}. Set "skip": true when the text is already one statement.`;

/**
 * The LLM path of decomposition: its statements (at most MAX_FACTS); none when it says there is
 * nothing to split (`skip`, or fewer than two); null on any failure, and the rules split instead.
 */
export function llmDecomposer(llm: LlmClient): Decomposer {
  return async (content, background) => {
    const r = await llm.complete({ feature: "decompose", system: PROMPT, input: content, schema: answer, temperature: 0.1, background });
    if (!r.ok) return null;
    return { facts: r.value.skip || r.value.facts.length < 2 ? [] : r.value.facts, model: r.model };
  };
}
