import type { MemoryRow } from "../db/index.js";
import type { CoreContext } from "../context.js";
import type { MemoryService } from "../memory/index.js";
import { normalizeTags } from "../memory/index.js";
import type { VectorStore } from "../vector/index.js";
import type { EmbeddingService } from "../vector/index.js";
import { MemorySelections } from "../memory/index.js";
import { lexicalSearch } from "./lexical.js";
import { LexicalStore, type SearchFilters } from "./store.js";
import { fuse, scoreFuse, type ChannelRanking, type Fused, type FusionMethod } from "./fusion.js";
import { SearchCache } from "./search-cache.js";
import { detectQuestionType, type QuestionType } from "./question-type.js";
import { CHANNELS, RRF_WEIGHTS, TYPE_WEIGHTS, type ChannelName, type ChannelWeights } from "./weights.js";
import { graphHits, personalityHits, relativeToBest, sessionNeighbourHits, type Hits } from "./channels.js";
import { nameCoverage, namesIn } from "../text/index.js";
import { computeFactors, product, type Factors } from "./factors.js";
import type { SearchReranker } from "./rerank.js";
import { QueryEvidence } from "./evidence.js";
import { lexicalEvidence, adaptiveWeights, withSynonymHits } from "./adaptive.js";
import type { WordNet } from "./expansion/wordnet.js";
import { applyRanker, type RankerOutcome, type RankerModel } from "./ranker/index.js";

export interface SearchRequest extends SearchFilters {
  query: string;
  limit: number;
  threshold?: number | undefined;
  /** Restricts the channels (benchmarks and explain use this); default all that are available. */
  channels?: ChannelName[] | undefined;
  /** Overrides question-type detection. */
  questionType?: QuestionType | undefined;
  /** Overrides the configured fusion (benchmarks compare both). */
  fusion?: FusionMethod | undefined;
}

export interface SearchHit {
  memory: MemoryRow;
  /** Fused score times the factors, 0..1. */
  score: number;
  searchType: "hybrid" | ChannelName;
  channels: Partial<Record<ChannelName, { rank: number; score: number }>>;
  /** Fused score before factors. */
  fused: number;
  /** Query names found in the memory: boosts the fused score of first-stage hits. */
  entity: number;
  factors: Factors;
  /** Cross-encoder score when the reranker ran over this hit. */
  reranked: number | null;
  /** The learned ranker's probability and features when it ran over this hit. */
  ranker: RankerOutcome | null;
}

export interface SearchTimings {
  embed: number;
  lexical: number;
  vector: number;
  personality: number;
  expansion: number;
  fusion: number;
  factors: number;
  rerank: number;
  /** Features and scores of the learned ranker (part of the cached ranking, like fusion). */
  ranker: number;
  total: number;
}

export interface SearchResult {
  hits: SearchHit[];
  abstained: boolean;
  topScore: number;
  channels: ChannelName[];
  questionType: QuestionType;
  fusion: FusionMethod;
  embedded: boolean;
  rerankerApplied: boolean;
  /** Whether the learned ranker reordered the fused candidates (see ranker/). */
  rankerApplied: boolean;
  /** Set when the search abstained for lack of evidence (see `abstains`), not for a threshold. */
  noEvidence: boolean;
  timings: SearchTimings;
  /** True when the ranking came from the tenant's cache of recent searches. */
  cached: boolean;
}

interface Ranking {
  fused: (Fused & { entity: number; fusedScore: number; ranker: RankerOutcome | null })[];
  rankerApplied: boolean;
  noEvidence: boolean;
  channels: ChannelName[];
  questionType: QuestionType;
  fusion: FusionMethod;
  embedded: boolean;
  timings: Omit<SearchTimings, "factors" | "rerank" | "total">;
}

export interface SearchOptions {
  vectorMinSimilarity: number;
  fusion: FusionMethod;
  /** Multiplies the vector channel's weight in score fusion (ENGRAM_VECTOR_WEIGHT). */
  vectorWeight: number;
  /** The learned ranker applied after fusion, or null when switched off (ENGRAM_SEARCH_RANKER=off). */
  ranker: RankerModel | null;
  /** A query with no word in any memory abstains unless its best cosine reaches this (see abstains). */
  abstainCosine: number;
  /** WordNet synonyms for lexical evidence, or null when off (ENGRAM_SEARCH_SYNONYMS=off). */
  synonyms: WordNet | null;
}

/**
 * The cosine a query's nearest memory must reach when none of its words occurs in the store
 * (USE-lite, measured on the dev sets: README "Abstention"; ENGRAM_SEARCH_ABSTAIN_SIMILARITY).
 */
export const DEFAULT_ABSTAIN_MIN_SIMILARITY = 0.42;

/** Recent searches kept per tenant. */
const CACHE_PER_TENANT = 256;
/** How many candidates each channel hands to the fusion, per result asked for. */
const CANDIDATES_PER_RESULT = 5;
const MIN_CANDIDATES = 50;
/** First-stage hits whose session neighbours and graph links are followed. */
const SESSION_SEEDS = 30;
const GRAPH_SEEDS = 10;
/** A memory naming every name in the query gets this much more first-stage score. */
const ENTITY_BOOST = 0.4;

/**
 * A search abstains for lack of evidence when no query word occurs in any of the tenant's
 * memories and the nearest memory's cosine stays below the floor: made-up words over a real
 * store. Calibrated on the dev sets (README, "Abstention"): every dev question has a word in
 * the store or a nearer memory, random letter strings have neither.
 */
export function abstains(anyWordMatches: boolean, bestCosine: number | null, floor: number): boolean {
  return !anyWordMatches && (bestCosine ?? 0) < floor;
}

function matchesFilters(m: MemoryRow, f: SearchFilters): boolean {
  if (f.latestOnly !== false && !m.isLatest) return false;
  // Replaced by a correction or deduplication: the ranking may predate the change, the row does not.
  if (m.isSuperseded) return false;
  if (!f.includeForgotten && (m.isForgotten || m.isArchived)) return false;
  if (f.category && m.category !== f.category) return false;
  if (f.source && m.source !== f.source) return false;
  if (f.spaceId != null && m.spaceId !== f.spaceId) return false;
  return (f.tags ?? []).every((t) => m.tags.includes(t));
}

/**
 * The search pipeline: question type → first-stage channels (BM25, vector, personality) →
 * fusion with a boost for memories naming the query's names → expansion channels from the
 * top hits (session neighbours, graph 2-hop) → factors (decay, importance, static, recency,
 * PageRank, superseded) → optional cross-encoder rerank of the top K.
 * Everything up to the factors is cached per tenant; rows and factors are always fresh.
 */
export class SearchService {
  /** Dropped per tenant at every change of its memories (createSearch subscribes it to MemoryEvents). */
  readonly cache = new SearchCache<Ranking>(CACHE_PER_TENANT);
  private readonly lexical: LexicalStore;
  private readonly selections: MemorySelections;

  constructor(
    private readonly ctx: CoreContext,
    private readonly memories: MemoryService,
    private readonly vectors: VectorStore,
    private readonly embedding: EmbeddingService,
    private readonly reranker: SearchReranker | null,
    private readonly options: SearchOptions,
  ) {
    this.lexical = new LexicalStore(ctx.db, (userId) => this.cache.generation(userId));
    this.selections = new MemorySelections(ctx.db);
  }

  async search(userId: number, raw: SearchRequest): Promise<SearchResult> {
    const t0 = performance.now();
    const req = { ...raw, tags: raw.tags ? normalizeTags(raw.tags) : undefined };
    const key = JSON.stringify(req);
    const cached = this.cache.get(userId, key);
    let ranking = cached;
    // The rows a fresh ranking read; none for a cached one.
    let rankedRows: Map<number, MemoryRow> | undefined;
    if (!ranking) {
      const generation = this.cache.generation(userId);
      ({ ranking, rows: rankedRows } = await this.rank(userId, req));
      this.cache.set(userId, key, ranking, generation);
    }

    const tf = performance.now();
    // Rows are never cached: a cached ranking reads its rows again, so it never serves stale
    // fields or statuses; a fresh ranking uses the rows it has just read.
    const candidates = ranking.fused.slice(0, Math.max(req.limit * 3, 30));
    const rows = rankedRows ?? new Map(this.memories.byIds(userId, candidates.map((f) => f.id)).map((r) => [r.id, r]));
    const now = this.ctx.clock.now();
    const ran = ranking.channels;
    let hits: (SearchHit & { raw: number })[] = candidates.flatMap((f) => {
      const memory = rows.get(f.id);
      if (!memory || !matchesFilters(memory, req)) return [];
      const factors = computeFactors(memory, ranking.questionType, now);
      const raw = f.score * product(factors);
      const searchType = ran.length > 1 ? ("hybrid" as const) : ran[0]!;
      // Rounded: the decay factor moves by ~1e-8 a second, which must not move a result across a threshold.
      return [
        { memory, raw, score: Math.round(Math.min(1, raw) * 1e6) / 1e6, searchType, channels: f.channels, fused: f.fusedScore, entity: f.entity, factors, reranked: null, ranker: f.ranker },
      ];
    });
    // Ordered by the unclipped product: factors above 1 must not tie the best hits at 1.
    hits.sort((a, b) => b.raw - a.raw || a.memory.id - b.memory.id);
    const threshold = req.threshold ?? 0;
    hits = hits.filter((h) => h.score >= threshold);
    const factorsMs = performance.now() - tf;

    const tr = performance.now();
    let rerankerApplied = false;
    if (this.reranker?.ready() && hits.length > 1) {
      hits = await this.reranker.rerank(req.query, hits);
      rerankerApplied = true;
    }
    const rerankMs = performance.now() - tr;

    const returned: SearchHit[] = ranking.noEvidence ? [] : hits.slice(0, req.limit).map(({ raw: _raw, ...h }) => h);
    const zero = { embed: 0, lexical: 0, vector: 0, personality: 0, expansion: 0, fusion: 0, ranker: 0 };
    return {
      hits: returned,
      abstained: returned.length === 0,
      topScore: returned[0]?.score ?? 0,
      channels: ran,
      questionType: ranking.questionType,
      fusion: ranking.fusion,
      embedded: ranking.embedded,
      rerankerApplied,
      rankerApplied: ranking.rankerApplied,
      noEvidence: ranking.noEvidence,
      timings: { ...(cached ? zero : ranking.timings), factors: factorsMs, rerank: rerankMs, total: performance.now() - t0 },
      cached: cached !== undefined,
    };
  }

  /** Runs the channels and fuses them: the part of a search worth caching. */
  private async rank(userId: number, req: SearchRequest): Promise<{ ranking: Ranking; rows: Map<number, MemoryRow> }> {
    const filters: SearchFilters = req;
    const questionType = req.questionType ?? detectQuestionType(req.query);
    const fusion = req.fusion ?? this.options.fusion;
    const typed = TYPE_WEIGHTS[questionType];
    const weights: ChannelWeights = fusion === "rrf" ? RRF_WEIGHTS : { ...typed, vector: typed.vector * this.options.vectorWeight };
    const wanted = new Set<ChannelName>((req.channels ?? CHANNELS).filter((c) => weights[c] > 0));
    const k = Math.max(MIN_CANDIDATES, req.limit * CANDIDATES_PER_RESULT);
    const timings = { embed: 0, lexical: 0, vector: 0, personality: 0, expansion: 0, fusion: 0, ranker: 0 };
    const timed = <T>(stage: keyof typeof timings, run: () => T): T => {
      const t = performance.now();
      const out = run();
      timings[stage] += performance.now() - t;
      return out;
    };

    // The query embedding is the one slow step; start it first so BM25 runs while it computes.
    const embedding = wanted.has("vector") && this.embedding.status() !== "disabled" ? this.timedEmbed(req.query, timings) : null;
    const firstStage: ChannelRanking[] = [];
    const add = (channel: ChannelName, hits: Hits, expansion = false) => {
      if (wanted.has(channel)) firstStage.push({ channel, weight: weights[channel], hits, expansion });
    };
    const evidence = timed("lexical", () => new QueryEvidence(this.lexical, userId, req.query, this.options.synonyms));
    let bm25: Hits = [];
    if (wanted.has("fts")) {
      bm25 = timed("lexical", () => {
        const direct = relativeToBest(lexicalSearch(this.lexical, userId, req.query, k, filters).map((h) => ({ id: h.id, score: h.bm25 })));
        const match = evidence.synonymQuery();
        const viaSynonyms = match ? relativeToBest(this.lexical.search(userId, match, k, filters).map((h) => ({ id: h.id, score: h.bm25 }))) : [];
        return withSynonymHits(direct, viaSynonyms);
      });
    }
    if (wanted.has("personality")) add("personality", timed("personality", () => personalityHits(this.lexical, userId, req.query, k, questionType)));
    const qv = embedding ? await embedding : null;
    let near: Hits = [];
    if (qv) {
      const t = performance.now();
      // Over-fetch: status and filter checks drop some of the nearest neighbours.
      near = (await this.vectors.search(userId, qv, k * 2)).filter((h) => h.score >= this.options.vectorMinSimilarity);
      timings.vector = performance.now() - t;
    }

    const tf = performance.now();
    const rows = new Map<number, MemoryRow>();
    const keep = (hits: Hits) => {
      const missing = hits.map((h) => h.id).filter((id) => !rows.has(id));
      for (const r of this.memories.byIds(userId, missing)) rows.set(r.id, r);
      return hits.filter((h) => rows.has(h.id) && matchesFilters(rows.get(h.id)!, filters)).slice(0, k);
    };
    bm25 = keep(bm25);
    near = keep(near);
    for (const r of firstStage) r.hits = keep(r.hits);
    const bm25Rel = new Map(bm25.map((h) => [h.id, h.score]));
    const coverage = evidence.coverage(bm25.map((h) => h.id));
    const lexical = fusion === "rrf" ? bm25 : lexicalEvidence(bm25, coverage);
    const adapted = fusion === "rrf" ? weights : adaptiveWeights(weights, lexical);
    if (wanted.has("fts")) firstStage.unshift({ channel: "fts", weight: adapted.fts, hits: lexical });
    if (qv) firstStage.push({ channel: "vector", weight: adapted.vector, hits: near });
    const combine = fusion === "rrf" ? fuse : scoreFuse;
    const queryNames = namesIn(req.query);
    // Both fusions ask about mostly the same memories: each memory's content is scanned once per search.
    const names = new Map<number, number>();
    const namesOf = (id: number) => {
      let c = names.get(id);
      if (c === undefined) names.set(id, (c = nameCoverage(queryNames, rows.get(id)!.content)));
      return c;
    };
    const boost = (list: Fused[]) =>
      queryNames.size === 0
        ? list.map((f) => ({ ...f, entity: 0 }))
        : list
            .map((f) => {
              const entity = namesOf(f.id);
              // Scaled so a memory naming every name keeps its fused score and the rest lose up to 1/(1+boost):
              // the scale stays 0..1 and no score is clipped into a tie.
              return { ...f, entity, score: (f.score * (1 + ENTITY_BOOST * entity)) / (1 + ENTITY_BOOST) };
            })
            .sort((a, b) => b.score - a.score || a.id - b.id);
    const stage1 = boost(combine(firstStage));
    timings.fusion += performance.now() - tf;

    const te = performance.now();
    const expansions: ChannelRanking[] = [];
    if (wanted.has("session")) {
      const seeds = stage1.slice(0, SESSION_SEEDS).map((f) => ({ id: f.id, score: f.score, sessionId: rows.get(f.id)!.sessionId }));
      expansions.push({ channel: "session", weight: weights.session, hits: keep(sessionNeighbourHits(this.selections, userId, seeds)), expansion: true });
    }
    if (wanted.has("graph")) {
      const seeds = stage1.slice(0, GRAPH_SEEDS);
      expansions.push({ channel: "graph", weight: weights.graph, hits: keep(graphHits(this.ctx.db, userId, seeds, k)), expansion: true });
    }
    timings.expansion = performance.now() - te;

    const tf2 = performance.now();
    // Expansions add their weighted share to the first-stage evidence, never to the best possible score.
    const fused = boost(combine([...firstStage, ...expansions])).map((f) => ({ ...f, fusedScore: f.score, ranker: null as RankerOutcome | null }));
    timings.fusion += performance.now() - tf2;

    // The ranker was trained on the whole pipeline over latest versions: a search restricted to
    // some channels, fused by rank, or asking for old versions too (which only the superseded
    // factor orders) is left as fusion ordered it.
    const model = this.options.ranker;
    const rankerApplied = model !== null && fusion === "score" && req.channels === undefined && req.latestOnly !== false && fused.length > 1;
    const ranked = rankerApplied
      ? timed("ranker", () =>
          applyRanker(model, fused, {
            queryNames,
            bm25Rel,
            coverage: (ids) => evidence.coverage(ids),
            content: (id) => rows.get(id)!.content,
            neighbours: (id) => {
              const sessionId = rows.get(id)!.sessionId;
              if (!sessionId) return [];
              const n = this.selections.sessionNeighbours(userId, sessionId, id);
              return [n.prev, n.next].filter((x): x is number => x != null);
            },
          }),
        )
      : fused;
    const channels = [...firstStage, ...expansions].filter((r) => r.hits.length > 0 || r.channel === "fts").map((r) => r.channel);
    // BM25 hits count too: with include_forgotten they reach memories the live statistics leave out.
    const noEvidence = abstains(evidence.anyMatch || bm25.length > 0, near[0]?.score ?? null, this.options.abstainCosine);
    return { ranking: { fused: ranked, rankerApplied, noEvidence, channels, questionType, fusion, embedded: qv !== null, timings }, rows };
  }
  private async timedEmbed(query: string, timings: { embed: number }): Promise<Float32Array | null> {
    const t = performance.now();
    const qv = await this.embedding.embedQuery(query);
    timings.embed = performance.now() - t;
    return qv;
  }

  /**
   * Memories for an agent's current context: search hits when there is text to search with,
   * otherwise the most important recent ones. Every returned memory is marked as accessed.
   */
  async recall(userId: number, opts: { query?: string | undefined; limit: number; spaceId?: number | undefined }): Promise<MemoryRow[]> {
    const rows = opts.query?.trim()
      ? (await this.search(userId, { query: opts.query, limit: opts.limit, spaceId: opts.spaceId })).hits.map((h) => h.memory)
      : this.memories
          .list(userId, { limit: 200, offset: 0, spaceId: opts.spaceId })
          .sort((a, b) => b.importance - a.importance || b.id - a.id)
          .slice(0, opts.limit);
    const ids = rows.map((r) => r.id);
    this.memories.touch(userId, ids);
    return this.memories.byIds(userId, ids);
  }
}
