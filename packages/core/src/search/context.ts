import { countTokens, tokensWithin } from "../text/index.js";
import { TimeSlicer } from "../util/index.js";

/** Tokens as contexts count them (o200k_base, see text/token-count.ts): exported so clients and tests measure alike. */
export { countTokens };
import type { CoreContext } from "../context.js";
import type { MemoryRow } from "../db/index.js";
import type { MemoryService } from "../memory/index.js";
import { MemorySelections } from "../memory/index.js";
import { graphNeighbors } from "../graph/index.js";
import { PERSONALITY_CATEGORIES } from "./channels.js";
import type { SearchHit, SearchService } from "./service.js";
import { textSignature, type TextSignature } from "../text/index.js";
import { isNearDuplicate } from "./context/duplicates.js";
import { layOut, memoryLine, type Placed } from "./context/layout.js";

export const CONTEXT_STRATEGIES = ["balanced", "precision", "breadth"] as const;
export const CONTEXT_MODES = ["fast", "balanced", "deep", "decision"] as const;
export type ContextStrategy = (typeof CONTEXT_STRATEGIES)[number];
export type ContextMode = (typeof CONTEXT_MODES)[number];

/** The sections of an assembled context, in the order they are filled and printed. */
export const SECTIONS = ["static", "semantic", "episode", "personality", "linked", "recent"] as const;
export type Section = (typeof SECTIONS)[number];

export interface ContextRequest {
  query: string;
  budget: number;
  strategy: ContextStrategy;
  mode: ContextMode;
  /** A session id: that session's memories form the "episode" section. */
  session?: string | undefined;
  spaceId?: number | undefined;
}

export interface ContextBlock {
  id: number;
  section: Section;
  category: string;
  source: string;
  score: number;
  tokens: number;
  content: string;
}

/** A memory left out because it repeats one shown (`of`). */
export interface ContextDuplicate {
  id: number;
  of: number;
}

export interface AssembledContext {
  context: string;
  /** The memories shown, in the order the text shows them. */
  blocks: ContextBlock[];
  duplicates: ContextDuplicate[];
  tokenEstimate: number;
  tokenBudget: number;
  utilization: number;
  strategy: ContextStrategy;
  mode: ContextMode;
  breakdown: Record<Section, number>;
  timing: { search: number; assemble: number; total: number };
}

export type ContextProgress = { stage: "search" | "candidates" | "assemble"; [key: string]: unknown };

/** Share of the budget each section may use; what a section leaves unused flows to the next. */
const SHARES: Record<ContextStrategy, Record<Section, number>> = {
  balanced: { static: 0.15, semantic: 0.45, episode: 0.1, personality: 0.1, linked: 0.1, recent: 0.1 },
  precision: { static: 0.1, semantic: 0.7, episode: 0.05, personality: 0.05, linked: 0.1, recent: 0 },
  breadth: { static: 0.1, semantic: 0.3, episode: 0.15, personality: 0.15, linked: 0.15, recent: 0.15 },
};

/** How much each mode searches and follows: fast skips links, deep reads further, decision leads with rules. */
const MODES: Record<ContextMode, { hits: number; linkSeeds: number; staticWeight: number }> = {
  fast: { hits: 10, linkSeeds: 0, staticWeight: 1 },
  balanced: { hits: 20, linkSeeds: 5, staticWeight: 1 },
  deep: { hits: 40, linkSeeds: 10, staticWeight: 1 },
  decision: { hits: 20, linkSeeds: 5, staticWeight: 2 },
};

const HEADERS: Record<Section, string> = {
  static: "## Standing facts and rules",
  semantic: "## Relevant memories",
  episode: "## This session",
  personality: "## About the user",
  linked: "## Linked memories",
  recent: "## Recent memories",
};

const SECTION_CANDIDATES = 30;
/** A header's tokens (and the blank line before it), counted once. */
const HEADER_TOKENS = Object.fromEntries(SECTIONS.map((s) => [s, countTokens(`${HEADERS[s]}\n`) + 1])) as Record<Section, number>;
/**
 * What sections leave of their shares goes to them again in this order: the memories that match
 * the query first, then the session and links around them; what is merely recent comes last.
 */
const REFILL_ORDER: readonly Section[] = ["semantic", "episode", "linked", "static", "personality", "recent"];
/**
 * How many search hits a context asks for: a mode's number at least, and about one per 25 tokens
 * of budget beyond that (a compact line of conversation costs 20-40), up to three times the mode's.
 */
const TOKENS_PER_HIT = 25;
const MAX_HITS_FACTOR = 3;
/**
 * Assembly yields to the event loop after this much work: counting a block is bounded (see
 * `fill`), but a deep context over large memories may count a few hundred of them.
 */
const SLICE_MS = 10;

type Candidate = { m: MemoryRow; score: number };
interface Pick {
  section: Section;
  placed: Placed;
  m: MemoryRow;
  score: number;
}

/**
 * Budget-aware context assembly: fills sections in a fixed order, each up to its share of the
 * token budget; what they leave then goes to them again, the query's matches first
 * (REFILL_ORDER). A memory is shown once and a near-duplicate of one shown is left out
 * (context/duplicates.ts). Within a section the memories of one session sit together in
 * session order, and a prefix that consecutive lines share is printed once (context/layout.ts),
 * so the budget holds more of what was said and less of its dates and labels.
 *
 * Token counts are exact for the returned text (o200k_base; text/token-count.ts, which counts a
 * pathological run of more than 64 characters without a break by its bytes, more than its
 * tokens), and the result never exceeds the budget: the final text is counted again and
 * trimmed, last picked first, if joins added tokens.
 *
 * What bounds the work: a memory costs what its session's lines cost with it minus without it,
 * counted only up to what the allowance left could hold (text/token-count.ts `tokensWithin`:
 * a text of more than 128 bytes per token left is rejected uncounted). So one candidate costs
 * at most its group's text plus about the allowance's worth, and assembly yields to the event
 * loop every SLICE_MS so other requests are served meanwhile.
 */
export class ContextAssembler {
  private readonly selections: MemorySelections;

  constructor(
    private readonly ctx: CoreContext,
    private readonly memories: MemoryService,
    private readonly search: SearchService,
  ) {
    this.selections = new MemorySelections(ctx.db);
  }

  async assemble(userId: number, req: ContextRequest, onProgress: (p: ContextProgress) => void = () => {}): Promise<AssembledContext> {
    const t0 = performance.now();
    const mode = MODES[req.mode];
    onProgress({ stage: "search" });
    const limit = Math.min(mode.hits * MAX_HITS_FACTOR, Math.max(mode.hits, Math.ceil(req.budget / TOKENS_PER_HIT)));
    const found = await this.search.search(userId, { query: req.query, limit, spaceId: req.spaceId });
    const tSearch = performance.now() - t0;
    const candidates = this.candidates(userId, req, found.hits, mode.linkSeeds);
    onProgress({ stage: "candidates", hits: found.hits.length, question_type: found.questionType });

    const ta = performance.now();
    onProgress({ stage: "assemble" });
    const shares = { ...SHARES[req.strategy] };
    shares.static = Math.min(1, shares.static * mode.staticWeight);
    const slicer = new TimeSlicer(SLICE_MS);
    const { picks, duplicates } = await this.fill(candidates, shares, req.budget, slicer);
    let rendered = render(picks);
    // Joining lines can merge tokens differently from counting them one by one: check the whole.
    let tokenEstimate = tokensWithin(rendered.context, req.budget);
    while (picks.length > 0 && tokenEstimate === null) {
      await slicer.maybeYield();
      picks.pop();
      rendered = render(picks);
      tokenEstimate = tokensWithin(rendered.context, req.budget);
    }
    const breakdown = Object.fromEntries(SECTIONS.map((s) => [s, 0])) as Record<Section, number>;
    for (const b of rendered.blocks) breakdown[b.section] += b.tokens;
    const assembleMs = performance.now() - ta;
    return {
      context: rendered.context,
      blocks: rendered.blocks,
      duplicates,
      tokenEstimate: tokenEstimate ?? 0,
      tokenBudget: req.budget,
      utilization: req.budget > 0 ? Math.round(((tokenEstimate ?? 0) / req.budget) * 1000) / 1000 : 0,
      strategy: req.strategy,
      mode: req.mode,
      breakdown,
      timing: { search: tSearch, assemble: assembleMs, total: performance.now() - t0 },
    };
  }

  /** Candidate memories per section, best first, each with the score it is shown with. */
  private candidates(userId: number, req: ContextRequest, hits: SearchHit[], linkSeeds: number): Record<Section, Candidate[]> {
    const live = (m: MemoryRow) => m.isLatest && !m.isForgotten && !m.isArchived && (req.spaceId == null || m.spaceId === req.spaceId);
    const rows = (ids: number[]) => this.memories.byIds(userId, ids).filter(live);
    const byImportance = (ms: MemoryRow[]) => ms.map((m) => ({ m, score: m.importance / 10 }));
    const seeds = hits.slice(0, linkSeeds).map((h) => h.memory.id);
    const linked = linkSeeds > 0 ? graphNeighbors(this.ctx.db, userId, seeds, { hops: 1, limit: SECTION_CANDIDATES }) : [];
    const linkedRows = new Map(this.memories.byIds(userId, linked.map((n) => n.id)).filter(live).map((m) => [m.id, m]));
    const select = this.selections;
    return {
      static: byImportance(rows(select.staticIds(userId, SECTION_CANDIDATES))),
      semantic: hits.map((h) => ({ m: h.memory, score: h.score })),
      episode: req.session ? byImportance(rows(select.sessionIds(userId, req.session, SECTION_CANDIDATES))) : [],
      personality: byImportance(rows(select.categoryIds(userId, PERSONALITY_CATEGORIES, SECTION_CANDIDATES))),
      linked: linked.flatMap((n) => (linkedRows.has(n.id) ? [{ m: linkedRows.get(n.id)!, score: n.score }] : [])),
      recent: byImportance(rows(select.recentIds(userId, SECTION_CANDIDATES))),
    };
  }

  private async fill(
    candidates: Record<Section, Candidate[]>,
    shares: Record<Section, number>,
    budget: number,
    slicer: TimeSlicer,
  ): Promise<{ picks: Pick[]; duplicates: ContextDuplicate[] }> {
    const picks: Pick[] = [];
    const shown = new Map<number, TextSignature>();
    const duplicates = new Map<number, number>();
    /** Tokens each section's group of lines costs now, by section and group. */
    const groupTokens = new Map<string, number>();
    const opened = new Set<Section>();
    let spent = 0;

    const take = async (section: Section, allowance: number) => {
      for (const { m, score } of candidates[section]) {
        await slicer.maybeYield();
        if (shown.has(m.id) || duplicates.has(m.id)) continue;
        const sig = textSignature(m.content);
        const original = [...shown].find(([, s]) => isNearDuplicate(s, sig));
        if (original) {
          duplicates.set(m.id, original[0]);
          continue;
        }
        const placed: Placed = { id: m.id, line: memoryLine(m.category, m.content), group: m.sessionId ? `session:${m.sessionId}` : `memory:${m.id}`, createdAt: m.createdAt };
        const key = `${section}\u0000${placed.group}`;
        const members = picks.filter((p) => p.section === section && p.placed.group === placed.group).map((p) => p.placed);
        const before = groupTokens.get(key) ?? 0;
        const header = opened.has(section) ? 0 : HEADER_TOKENS[section];
        const after = tokensWithin(layOut([...members, placed]).map((l) => l.text).join(""), before + allowance - header);
        if (after === null) continue;
        const cost = after - before + header;
        allowance -= cost;
        spent += cost;
        groupTokens.set(key, after);
        opened.add(section);
        shown.set(m.id, sig);
        picks.push({ section, placed, m, score });
      }
    };

    for (const section of SECTIONS) {
      // A strategy that gives a section no share leaves it out, whatever is left over.
      if (shares[section] > 0) await take(section, Math.min(budget - spent, Math.floor(budget * shares[section])));
    }
    for (const section of REFILL_ORDER) {
      if (shares[section] > 0 && spent < budget) await take(section, budget - spent);
    }
    return { picks, duplicates: [...duplicates].map(([id, of]) => ({ id, of })) };
  }
}

/** Sections in order, each under its header; blocks in the order the text shows them, each with the tokens of its lines. */
function render(picks: readonly Pick[]): { context: string; blocks: ContextBlock[] } {
  const parts: string[] = [];
  const blocks: ContextBlock[] = [];
  const byId = new Map(picks.map((p) => [p.m.id, p]));
  for (const section of SECTIONS) {
    const lines = layOut(picks.filter((p) => p.section === section).map((p) => p.placed));
    if (!lines.length) continue;
    parts.push(`${HEADERS[section]}\n${lines.map((l) => l.text).join("")}`);
    for (const l of lines) {
      const { m, score } = byId.get(l.id)!;
      blocks.push({ id: m.id, section, category: m.category, source: m.source, score: Math.round(score * 1000) / 1000, tokens: countTokens(l.text), content: m.content });
    }
  }
  return { context: parts.join("\n"), blocks };
}
