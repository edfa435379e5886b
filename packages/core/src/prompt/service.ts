import type { CoreContext } from "../context.js";
import type { SearchService } from "../search/index.js";
import { buildHeader, type TaskHeader } from "./header.js";
import { packCandidates, renderPrompt, type PackCandidate, type Packed, type PromptFormat } from "./pack.js";
import { PromptStore } from "./store.js";

export interface HeaderRequest {
  actorModel: string;
  actorRole: string;
  limit: number;
}

export interface PackRequest {
  /** Words of the task at hand: the top search hits for it join the candidates. */
  context?: string | undefined;
  budget: number;
}

export interface PromptResult {
  prompt: string;
  format: PromptFormat;
  memoriesIncluded: number;
  tokensEstimated: number;
}

/** The header reads three memories for each prior work it may list: most are the actor's own. */
const HEADER_READ_FACTOR = 3;
/** Candidates of each kind (contracts/services.md §18); static memories are few by nature, but bounded all the same. */
const STATIC_CANDIDATES = 100;
const DECAY_CANDIDATES = 30;
const SEARCH_CANDIDATES = 30;
/** Scores that order the kinds: static first, then search hits by relevance, then the rest by decay. */
const STATIC_SCORE = 100;
const decayScore = (decay: number) => decay * 2;
const hitScore = (relevance: number) => 50 + 50 * Math.min(1, Math.max(0, relevance));

/**
 * Prompt material from a tenant's memories: the task header (which memories another model wrote)
 * and the memories packed into a token budget, wrapped for a system prompt.
 */
export class PromptService {
  private readonly store: PromptStore;

  constructor(
    ctx: CoreContext,
    private readonly search: SearchService,
  ) {
    this.store = new PromptStore(ctx.db);
  }

  header(userId: number, req: HeaderRequest): TaskHeader {
    return buildHeader(this.store.newestWork(userId, HEADER_READ_FACTOR * req.limit), req.actorModel, req.actorRole, req.limit);
  }

  /** Static memories, the strongest by decay score and, with `context`, its top search hits, packed greedily by score. */
  async pack(userId: number, req: PackRequest): Promise<Packed> {
    // In this order, so that on a tie (a perfect hit scores as much as a static memory) the
    // standing rules go first, then what the task asked for.
    const candidates: PackCandidate[] = this.store.staticMemories(userId, STATIC_CANDIDATES).map((m) => ({ ...m, score: STATIC_SCORE }));
    if (req.context?.trim()) {
      const found = await this.search.search(userId, { query: req.context, limit: SEARCH_CANDIDATES });
      for (const h of found.hits) {
        // Search still shows consolidated sources; a pack shows the merged memory instead.
        if (h.memory.isConsolidated) continue;
        const m = h.memory;
        candidates.push({ id: m.id, content: m.content, category: m.category, score: hitScore(h.score) });
      }
    }
    for (const m of this.store.strongestMemories(userId, DECAY_CANDIDATES)) candidates.push({ id: m.id, content: m.content, category: m.category, score: decayScore(m.decayScore) });
    return packCandidates(candidates, req.budget);
  }

  /** GET /prompt: the pack wrapped in the format's framing. */
  async prompt(userId: number, req: PackRequest & { format: PromptFormat }): Promise<PromptResult> {
    const packed = await this.pack(userId, req);
    return { prompt: renderPrompt(req.format, packed), format: req.format, memoriesIncluded: packed.memories.length, tokensEstimated: packed.tokens };
  }
}
