import { countTokens, tokensWithin } from "../text/index.js";
import { TimeSlicer } from "../util/index.js";

/** Tokens as contexts count them (o200k_base, see text/token-count.ts): exported so clients and tests measure alike. */
export { countTokens };
import type { CoreContext } from "../context.js";
import type { MemoryRow } from "../db/index.js";
import type { MemoryService } from "../memory/index.js";
import { hammingDistance } from "../memory/index.js";
import { MemorySelections } from "../memory/index.js";
import { graphNeighbors } from "../graph/index.js";
import { PERSONALITY_CATEGORIES } from "./channels.js";
import type { SearchHit, SearchService } from "./service.js";

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

export interface AssembledContext {
  context: string;
  blocks: ContextBlock[];
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

/** Blocks whose SimHash differs in at most this many bits say the same thing; the later one is dropped.
 * Looser than the store-time duplicate check (3 bits): a context has no room for a rephrasing. */
const NEAR_DUPLICATE_BITS = 6;
const SECTION_CANDIDATES = 30;
/** A header's tokens (and the blank line before it), counted once. */
const HEADER_TOKENS = Object.fromEntries(SECTIONS.map((s) => [s, countTokens(`${HEADERS[s]}\n`) + 1])) as Record<Section, number>;
/**
 * Assembly yields to the event loop after this much work: counting a block is bounded (see
 * `fill`), but a deep context over large memories may count a few hundred of them.
 */
const SLICE_MS = 10;

const blockLine = (category: string, content: string) => `- [${category}] ${content.replace(/\s+/g, " ").trim()}\n`;

/**
 * Budget-aware context assembly: fills sections in a fixed order, each up to its share of the
 * token budget (the unused rest flows on), skipping memories already shown and near-duplicates.
 * Token counts are exact for the returned text (o200k_base; text/token-count.ts, which counts a
 * pathological run of more than 64 characters without a break by its bytes, more than its
 * tokens), and the result never exceeds the budget: the final text is counted again and
 * trimmed if joins added tokens.
 *
 * What bounds the work: a block is counted only up to what the allowance left could hold.
 * Its UTF-8 length decides first: a block of more than 128 bytes (the longest o200k token) per
 * token left cannot fit and is skipped uncounted; otherwise counting stops as soon as the
 * count passes the allowance. So one block costs at most about the allowance's worth of text
 * however long the memory, the whole assembly at most (candidates × budget), and it yields to
 * the event loop every SLICE_MS so other requests are served meanwhile.
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
    const found = await this.search.search(userId, { query: req.query, limit: mode.hits, spaceId: req.spaceId });
    const tSearch = performance.now() - t0;
    const candidates = this.candidates(userId, req, found.hits, mode.linkSeeds);
    onProgress({ stage: "candidates", hits: found.hits.length, question_type: found.questionType });

    const ta = performance.now();
    onProgress({ stage: "assemble" });
    const shares = { ...SHARES[req.strategy] };
    shares.static = Math.min(1, shares.static * mode.staticWeight);
    const slicer = new TimeSlicer(SLICE_MS);
    const picked = await this.fill(candidates, shares, req.budget, slicer);
    let context = render(picked);
    // Joining lines can merge tokens differently from counting them one by one: check the whole.
    let tokenEstimate = tokensWithin(context, req.budget);
    while (picked.length > 0 && tokenEstimate === null) {
      await slicer.maybeYield();
      picked.pop();
      context = render(picked);
      tokenEstimate = tokensWithin(context, req.budget);
    }
    const breakdown = Object.fromEntries(SECTIONS.map((s) => [s, 0])) as Record<Section, number>;
    for (const b of picked) breakdown[b.section] += b.tokens;
    const assembleMs = performance.now() - ta;
    return {
      context,
      blocks: picked,
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
  private candidates(userId: number, req: ContextRequest, hits: SearchHit[], linkSeeds: number): Record<Section, { m: MemoryRow; score: number }[]> {
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
    candidates: Record<Section, { m: MemoryRow; score: number }[]>,
    shares: Record<Section, number>,
    budget: number,
    slicer: TimeSlicer,
  ): Promise<ContextBlock[]> {
    const picked: ContextBlock[] = [];
    const shown: MemoryRow[] = [];
    let carry = 0;
    let spent = 0;
    for (const section of SECTIONS) {
      // A strategy that gives a section no share leaves it out, whatever flows on.
      if (shares[section] === 0) continue;
      let allowance = Math.min(budget - spent, Math.floor(budget * shares[section]) + carry);
      let opened = false;
      for (const { m, score } of candidates[section]) {
        await slicer.maybeYield();
        if (shown.some((s) => s.id === m.id || hammingDistance(s.simhash, m.simhash) <= NEAR_DUPLICATE_BITS)) continue;
        const header = opened ? 0 : HEADER_TOKENS[section];
        const tokens = tokensWithin(blockLine(m.category, m.content), allowance - header);
        if (tokens === null) continue;
        const cost = tokens + header;
        allowance -= cost;
        spent += cost;
        opened = true;
        shown.push(m);
        picked.push({ id: m.id, section, category: m.category, source: m.source, score: Math.round(score * 1000) / 1000, tokens, content: m.content });
      }
      carry = Math.max(0, allowance);
    }
    return picked;
  }
}

/** Sections in order, each under its header, blocks as one line each. */
function render(blocks: readonly ContextBlock[]): string {
  const parts: string[] = [];
  for (const section of SECTIONS) {
    const lines = blocks.filter((b) => b.section === section).map((b) => blockLine(b.category, b.content));
    if (lines.length) parts.push(`${HEADERS[section]}\n${lines.join("")}`);
  }
  return parts.join("\n");
}
