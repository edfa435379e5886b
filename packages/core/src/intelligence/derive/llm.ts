import { z } from "zod";
import { keepValid, type LlmClient } from "../../llm/index.js";
import type { Deriver } from "./service.js";

const MAX_DERIVED = 20;
const item = z.object({
  content: z.string().trim().min(5).max(2000),
  source_ids: z.array(z.number().int().positive()).min(1).max(50),
  confidence: z.number().min(0).max(1),
});
const answer = z.object({ derived: z.array(z.unknown()).transform((items) => keepValid(item, items, MAX_DERIVED)) });

const PROMPT = `You derive conclusions that follow from the given memories and are not already stated in any one of them. Each conclusion names the ids of the memories it follows from. Answer with JSON only: {"derived":[{"content":string,"source_ids":[int],"confidence":number}]}. At most ${MAX_DERIVED}; none when nothing follows.`;

/**
 * The LLM path of /derive: conclusions whose source ids are all among the premises (others are
 * dropped); null on any failure or when none is left, and fact chaining answers instead.
 */
export function llmDeriver(llm: LlmClient): Deriver {
  return async (premises, limit) => {
    const input = premises.map((p) => `[${p.id}] ${p.content}`).join("\n");
    const r = await llm.complete({ feature: "derive", system: PROMPT, input, schema: answer, temperature: 0.1 });
    if (!r.ok) return null;
    const given = new Set(premises.map((p) => p.id));
    const derived = r.value.derived
      .filter((d) => d.source_ids.every((id) => given.has(id)))
      .map((d) => ({ content: d.content, sourceIds: [...new Set(d.source_ids)], confidence: d.confidence }))
      .slice(0, limit);
    return derived.length > 0 ? { derived, model: r.model } : null;
  };
}
