import { and, desc, eq, or, sql } from "drizzle-orm";
import type { Db } from "../../db/connection.js";
import { memories, type MemoryRow } from "../../db/schema.js";
import { liveMemorySql } from "./live.js";

/** What the guard reads of a memory that may be one of the user's rules. */
export type RuleCandidate = Pick<MemoryRow, "id" | "content" | "importance" | "category" | "isStatic">;

/**
 * The user's live memories that may be standing rules (static, or of category "rule" in any
 * case), most important first: the guard (intelligence/guard.ts) decides which of them are.
 */
export class RuleCandidateStore {
  private readonly query;

  constructor(db: Db) {
    this.query = db.orm
      .select({ id: memories.id, content: memories.content, importance: memories.importance, category: memories.category, isStatic: memories.isStatic })
      .from(memories)
      .where(
        and(
          eq(memories.userId, sql.placeholder("userId")),
          sql.raw(liveMemorySql("memories")),
          or(eq(memories.isStatic, true), sql`lower(trim(${memories.category})) = 'rule'`),
        ),
      )
      .orderBy(desc(memories.importance), desc(memories.id))
      .prepare();
  }

  of(userId: number): RuleCandidate[] {
    return this.query.all({ userId });
  }
}
