import type { Db } from "../../db/index.js";

/** What the LLM's part in a derived memory was: its model and its confidence (contracts/intelligence.md §2). */
export function markLlmDerived(db: Db, userId: number, memoryId: number, model: string, confidence: number): void {
  db.sqlite.prepare(`UPDATE memories SET model = ?, confidence = ? WHERE id = ? AND user_id = ?`).run(model, confidence, memoryId, userId);
}
