/** POST /timetravel: the user's memories and facts as they stood at an instant. */
import type { CoreContext } from "../../context.js";
import type { FactRow } from "../../db/index.js";
import type { FactService } from "../facts/index.js";
import { memoriesAt, type PastMemory } from "./store.js";

export type { PastMemory } from "./store.js";

const MAX_TERMS = 8;
const MAX_FACTS = 200;

/** Lower-cased words of three or more characters: what a query's terms are matched as. */
function termsOf(query: string | undefined): string[] {
  if (!query) return [];
  return [...new Set(query.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}_-]{2,}/gu) ?? [])].slice(0, MAX_TERMS);
}

export class TimeTravel {
  constructor(
    private readonly ctx: CoreContext,
    private readonly facts: FactService,
  ) {}

  at(userId: number, req: { timestamp: string; query?: string | undefined; limit: number }): { memories: PastMemory[]; facts: FactRow[] } {
    return {
      memories: memoriesAt(this.ctx.db, userId, req.timestamp, termsOf(req.query), req.limit),
      facts: this.facts.list(userId, { at: req.timestamp, limit: MAX_FACTS, offset: 0 }),
    };
  }
}
