import type { Db } from "../../db/index.js";
import { storeInputSchema, type MemoryService, type StoreResult } from "../../memory/index.js";
import { markLlmDerived } from "./store.js";

/** The embedder as derived memories need it: vectors for texts, or null without a model. */
export interface TextEmbedder {
  embed(texts: string[]): Promise<Float32Array[] | null>;
}

/** A memory this group derives (a decomposed fact, a derived conclusion), as POST /store would take it. */
export interface DerivedInput {
  content: string;
  category: string;
  source: string;
  importance?: number | undefined;
  tags?: string[] | undefined;
  space_id?: number | null | undefined;
  /** Set when an LLM produced it: recorded on the memory with its confidence. */
  llm?: { model: string; confidence: number } | undefined;
}

/**
 * Derived memories take the path of POST /store (contracts/intelligence.md, "Derived memories"):
 * validation, the near-duplicate check, the embedding, the lexical row, FSRS, post-store jobs.
 * The texts are embedded in one batch; each store is its own transaction, as a client's would be.
 */
export async function storeDerived(
  deps: { db: Db; memories: MemoryService; embedder: TextEmbedder },
  userId: number,
  inputs: readonly DerivedInput[],
): Promise<StoreResult[]> {
  if (inputs.length === 0) return [];
  const parsed = inputs.map(({ llm: _llm, ...i }) => storeInputSchema.parse(i));
  const vectors = await deps.embedder.embed(parsed.map((p) => p.content));
  return parsed.map((p, i) => {
    const r = deps.memories.store(userId, p, vectors?.[i] ?? null);
    const llm = inputs[i]!.llm;
    if (r.kind === "stored" && llm) markLlmDerived(deps.db, userId, r.memory.id, llm.model, llm.confidence);
    return r;
  });
}
