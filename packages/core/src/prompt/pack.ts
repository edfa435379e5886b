/**
 * Packing memories into a token budget and wrapping them for a system prompt
 * (contracts/services.md §18), as pure functions over the candidates the service gathered.
 */

/** A memory offered for packing, with the score that orders it. */
export interface PackCandidate {
  id: number;
  content: string;
  category: string;
  score: number;
}

export interface Packed {
  /** The memories packed, highest score first. */
  memories: PackCandidate[];
  /** Their estimated tokens, never more than the budget. */
  tokens: number;
}

/**
 * Every packed memory costs 10 tokens besides its text: the `[category] ` prefix and the blank line
 * between memories. The contract fixes the estimate (characters / 4 + 10), so a client can predict
 * what fits without a tokenizer.
 */
const PER_MEMORY_TOKENS = 10;

/** Characters / 4 (rounded up; characters are code points) + 10. */
export const packTokens = (content: string) => Math.ceil(Array.from(content).length / 4) + PER_MEMORY_TOKENS;

/**
 * Each memory once, at its best score; then greedily by score, skipping any memory that would go
 * past the budget, so a long memory does not keep shorter ones out. Ties keep the order the
 * candidates came in (the sort is stable), so the caller decides which kind wins a tie.
 */
export function packCandidates(candidates: readonly PackCandidate[], budget: number): Packed {
  const best = new Map<number, PackCandidate>();
  for (const c of candidates) {
    const had = best.get(c.id);
    if (!had || c.score > had.score) best.set(c.id, c);
  }
  const ordered = [...best.values()].sort((a, b) => b.score - a.score);
  const memories: PackCandidate[] = [];
  let tokens = 0;
  for (const c of ordered) {
    const cost = packTokens(c.content);
    if (tokens + cost > budget) continue;
    memories.push(c);
    tokens += cost;
  }
  return { memories, tokens };
}

export const PROMPT_FORMATS = ["raw", "anthropic", "openai", "llamaindex"] as const;
export type PromptFormat = (typeof PROMPT_FORMATS)[number];

const PREFER_CONVERSATION = "If a memory contradicts the current conversation, trust the conversation.";

/** The packed memories as one block: `[<category>] <content>`, separated by blank lines. */
export const packedText = (packed: Packed) => packed.memories.map((m) => `[${m.category}] ${m.content}`).join("\n\n");

/** The block wrapped the way each client family expects its system-prompt material. */
export function renderPrompt(format: PromptFormat, packed: Packed): string {
  const block = packedText(packed);
  const count = packed.memories.length;
  switch (format) {
    case "raw":
      return block;
    case "anthropic":
      return [
        `<context>\n<engram-memories count="${count}" tokens="~${packed.tokens}">\n${block}\n</engram-memories>\n</context>`,
        `These are persistent memories from earlier sessions, for continuity. ${PREFER_CONVERSATION}`,
      ].join("\n\n");
    case "openai":
      return [
        "# Persistent Memory (Engram)",
        `${count} memories from earlier sessions (~${packed.tokens} tokens):`,
        "",
        block,
        "",
        `Use them as context. ${PREFER_CONVERSATION}`,
      ].join("\n");
    case "llamaindex":
      return `[MEMORY CONTEXT]\n${block}\n[/MEMORY CONTEXT]`;
  }
}
