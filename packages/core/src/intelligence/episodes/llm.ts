import { z } from "zod";
import type { LlmClient } from "../../llm/index.js";
import { MAX_NARRATIVE_CHARS, rulesNarrative } from "./narrative.js";
import type { NarrativeWriter } from "./service.js";

/** Each member's text sent is cut here, and at most this many members: the prompt stays bounded. */
const MEMBER_CHARS = 500;
const MAX_MEMBERS = 40;

const SYSTEM = `You write a short third-person narrative of a work episode from its memories, oldest first.
Keep names, numbers, versions and dates. Return JSON {"narrative": string} of at most 2000 characters.`;

const answer = z.object({ narrative: z.string().trim().min(1).max(MAX_NARRATIVE_CHARS) });

/** The episode narrative: the LLM's when configured and it answers, else the rules narrative. */
export function llmNarrativeWriter(llm: LlmClient): NarrativeWriter {
  return async (title, members) => {
    if (llm.configured && members.length > 0) {
      const input = [`Episode: ${title}`, ...members.slice(0, MAX_MEMBERS).map((m) => `- [${m.createdAt}] ${m.content.slice(0, MEMBER_CHARS)}`)].join("\n");
      const r = await llm.complete({ feature: "narrative", system: SYSTEM, input, schema: answer, temperature: 0.3 });
      if (r.ok) return { text: r.value.narrative, method: "llm" };
    }
    return { text: rulesNarrative(title, members), method: "rules" };
  };
}
