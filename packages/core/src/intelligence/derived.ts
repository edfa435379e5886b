import type { MemoryRow } from "../db/index.js";
import { storeInputSchema, type MemoryService, type StoreInput } from "../memory/index.js";
import type { EmbeddingService } from "../vector/index.js";

/**
 * What a memory derived by the intelligence group needs besides its text; everything else is
 * the store path's defaults (contracts/intelligence.md, "Derived memories").
 */
export type DerivedInput = Partial<Omit<StoreInput, "content" | "embedding">> & { content: string };

/** A derived memory's vector, computed before the write's transaction (the model runs off the event loop). */
export async function derivedVector(embedding: EmbeddingService, content: string): Promise<Float32Array | null> {
  return (await embedding.embed([content]))?.[0] ?? null;
}

/**
 * Stores a derived memory through the same path as POST /store (validation, SimHash duplicate
 * check, FTS row, FSRS state, post-store jobs). A near-duplicate of an existing memory is not
 * written again: that memory stands for it, as it does for a store.
 */
export function storeDerived(memories: MemoryService, userId: number, input: DerivedInput, vector: Float32Array | null): { memory: MemoryRow; created: boolean } {
  const result = memories.store(userId, storeInputSchema.parse(input), vector);
  if (result.kind === "stored") return { memory: result.memory, created: true };
  return { memory: memories.get(userId, result.existingId), created: false };
}
