import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { CHANNELS, QUESTION_TYPES, RANKER_FEATURES, typeError, type RankerOutcome, type SearchHit, type SearchResult } from "@engram/core";
import type { AppEnv, ServerDeps } from "../env.js";
import { errors, json, jsonBody, scoped, timestamp } from "./define.js";
import { memoryDto, memorySchema } from "./memory-shapes.js";

const queryText = z.string({ error: typeError("a string") }).max(10_000).refine((s) => s.trim().length > 0, "must not be empty");

const searchBody = z.object({
  query: queryText,
  limit: z.number().int().min(1).max(100).default(10),
  category: z.string().optional(),
  source: z.string().optional(),
  tags: z.array(z.string()).max(50).optional(),
  tag: z.string().optional(),
  threshold: z.number().min(0).max(1).optional(),
  space_id: z.number().int().positive().optional(),
  include_forgotten: z.boolean().default(false),
  latest_only: z.boolean().default(true),
  // Accepted for compatibility with the reference's clients; the pipeline has one mode.
  mode: z.string().optional(),
  /** Overrides question-type detection, which picks the channel weights. */
  question_type: z.enum(QUESTION_TYPES).optional(),
  expand_relationships: z.boolean().optional(),
  include_links: z.boolean().optional(),
  /** Engram extension: restrict the channels, e.g. ["fts"] for lexical only. */
  channels: z.array(z.enum(CHANNELS)).min(1).optional(),
  /** Engram extension: the fusion method, for comparisons (default: the server's ENGRAM_FUSION). */
  fusion: z.enum(["score", "rrf"]).optional(),
});

const recallBody = z.object({
  context: z.string().max(10_000).optional(),
  query: z.string().max(10_000).optional(),
  limit: z.number().int().min(1).max(100).default(10),
  space_id: z.number().int().positive().optional(),
});

const searchResultSchema = z
  .object({
    id: z.number().int(),
    content: z.string(),
    category: z.string(),
    source: z.string(),
    importance: z.number().int(),
    created_at: timestamp,
    score: z.number(),
    tags: z.array(z.string()),
    search_type: z.enum(["hybrid", ...CHANNELS]),
    channels: z
      .array(z.enum(CHANNELS))
      .describe('The channels that ranked the memory, e.g. ["fts","vector"], as the reference sends them; ranks and scores are in /search/explain'),
    decay_score: z.number(),
    version: z.number().int(),
    is_latest: z.boolean(),
    question_type: z.enum(QUESTION_TYPES),
    memory: memorySchema.describe("The whole memory, as GET /memory/{id} answers: the reference's SDKs read results through it"),
  })
  .meta({ id: "SearchResult" });
const searchResponseSchema = z.object({
  results: z.array(searchResultSchema),
  abstained: z.boolean().describe("True when nothing cleared the threshold, or no query word is in the store and no memory is near enough: the server declines to guess"),
  top_score: z.number(),
});

const nullableScore = z.number().nullable();
const explainedResultSchema = searchResultSchema.extend({
  scores: z.object({
    lexical: nullableScore,
    vector: nullableScore,
    graph: nullableScore,
    personality: nullableScore,
    session: nullableScore,
    temporal_boost: nullableScore,
    fused: z.number(),
    final: z.number(),
    reranked: nullableScore,
    reranker_ms: nullableScore,
  }),
  ranks: z.record(z.string(), z.number().int().nullable()).describe("Rank in each channel (fts as lexical), null where it did not rank the memory"),
  entity_match: z.number(),
  ranker: z
    .object({
      probability: z.number().describe("The learned ranker's estimate that this memory is what the query looks for"),
      features: z.record(z.enum(RANKER_FEATURES), z.number()),
      top_contributions: z
        .array(z.object({ feature: z.enum(RANKER_FEATURES), contribution: z.number() }))
        .describe("The features that moved the ranker's log-odds most, largest first"),
    })
    .nullable()
    .describe("null when the ranker did not run over this result"),
  factors: z.object({
    decay: z.number(),
    importance: z.number(),
    static: z.number(),
    recency: z.number(),
    pagerank: z.number(),
    superseded: z.number(),
  }),
});
const explainResponseSchema = z.object({
  results: z.array(explainedResultSchema),
  abstained: z.boolean(),
  top_score: z.number(),
  cached: z.boolean(),
  timings_ms: z.object({
    embed: z.number(),
    lexical: z.number(),
    vector: z.number(),
    personality: z.number(),
    expansion: z.number(),
    fusion: z.number(),
    factors: z.number(),
    hybrid: z.number(),
    rerank: z.number(),
    ranker: z.number(),
    total: z.number(),
  }),
  pipeline: z.object({
    embedded: z.boolean(),
    reranker_applied: z.boolean(),
    ranker_applied: z.boolean().describe("Whether the learned ranker reordered the fused top 50 (ENGRAM_SEARCH_RANKER)"),
    question_type: z.enum(QUESTION_TYPES),
    fusion: z.enum(["score", "rrf"]),
    channels: z.array(z.enum(CHANNELS)),
  }),
});
const recallResponseSchema = z.object({ memories: z.array(memorySchema) });

export function registerSearchRoutes(app: OpenAPIHono<AppEnv>, deps: ServerDeps) {
  const { search } = deps.engram;

  const run = (userId: number, b: z.output<typeof searchBody>) => {
    const tags = [...(b.tags ?? []), ...(b.tag ? [b.tag] : [])];
    return search.search(userId, {
      query: b.query,
      limit: b.limit,
      category: b.category,
      source: b.source,
      tags: tags.length ? tags : undefined,
      spaceId: b.space_id,
      includeForgotten: b.include_forgotten,
      latestOnly: b.latest_only,
      threshold: b.threshold,
      channels: b.channels,
      questionType: b.question_type,
      fusion: b.fusion,
    });
  };
  const resultDto = (h: SearchHit, r: SearchResult): z.infer<typeof searchResultSchema> => ({
    id: h.memory.id,
    content: h.memory.content,
    category: h.memory.category,
    source: h.memory.source,
    importance: h.memory.importance,
    created_at: h.memory.createdAt,
    score: h.score,
    tags: h.memory.tags,
    search_type: h.searchType,
    channels: CHANNELS.filter((ch) => h.channels[ch] !== undefined),
    decay_score: h.memory.decayScore,
    version: h.memory.version,
    is_latest: h.memory.isLatest,
    question_type: r.questionType,
    memory: memoryDto(h.memory),
  });
  const ms = (x: number) => Math.round(x * 100) / 100;
  const rankerDto = (r: RankerOutcome | null) =>
    r && {
      probability: r.probability,
      features: Object.fromEntries(RANKER_FEATURES.map((f, i) => [f, r.features[i]!])) as Record<(typeof RANKER_FEATURES)[number], number>,
      top_contributions: RANKER_FEATURES.map((feature, i) => ({ feature, contribution: r.contributions[i]! }))
        .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
        .slice(0, 3),
    };

  for (const path of ["/search", "/memories/search"]) {
    app.openapi(
      createRoute({
        method: "post",
        path,
        tags: ["search"],
        summary: "Hybrid search: FTS5 BM25 and vector similarity fused by weighted RRF (the query is words, never FTS5 syntax)",
        middleware: scoped("read"),
        request: jsonBody(searchBody),
        responses: { 200: json(searchResponseSchema, "ranked results"), ...errors(400, 401, 403) },
      }),
      async (c) => {
        const userId = c.get("principal").user.id;
        const result = await run(userId, c.req.valid("json"));
        const res = c.json({ results: result.hits.map((h) => resultDto(h, result)), abstained: result.abstained, top_score: result.topScore }, 200);
        // The results as the client sees them, then the implicit FSRS review of what it was given.
        deps.engram.fsrs.queueImplicitReview(userId, result.hits.map((h) => h.memory.id));
        return res;
      },
    );
  }

  app.openapi(
    createRoute({
      method: "post",
      path: "/search/explain",
      tags: ["search"],
      summary: "Search, with each result's channel ranks and scores and the time each stage took",
      middleware: scoped("read"),
      request: jsonBody(searchBody),
      responses: { 200: json(explainResponseSchema, "ranked results with their explanation"), ...errors(400, 401, 403) },
    }),
    async (c) => {
      const result = await run(c.get("principal").user.id, c.req.valid("json"));
      const t = result.timings;
      return c.json({
        results: result.hits.map((h) => ({
          ...resultDto(h, result),
          // null where a channel did not rank the memory.
          scores: {
            lexical: h.channels.fts?.score ?? null,
            vector: h.channels.vector?.score ?? null,
            graph: h.channels.graph?.score ?? null,
            personality: h.channels.personality?.score ?? null,
            session: h.channels.session?.score ?? null,
            temporal_boost: h.factors.recency === 1 ? null : h.factors.recency,
            fused: h.fused,
            final: h.score,
            reranked: h.reranked,
            reranker_ms: h.reranked === null ? null : ms(t.rerank),
          },
          ranks: Object.fromEntries(CHANNELS.map((ch) => [ch === "fts" ? "lexical" : ch, h.channels[ch]?.rank ?? null])),
          entity_match: h.entity,
          ranker: rankerDto(h.ranker),
          factors: h.factors,
        })),
        abstained: result.abstained,
        top_score: result.topScore,
        cached: result.cached,
        timings_ms: {
          embed: ms(t.embed),
          lexical: ms(t.lexical),
          vector: ms(t.vector),
          personality: ms(t.personality),
          expansion: ms(t.expansion),
          fusion: ms(t.fusion),
          factors: ms(t.factors),
          hybrid: ms(t.lexical + t.vector + t.personality + t.expansion + t.fusion),
          rerank: ms(t.rerank),
          ranker: ms(t.ranker),
          total: ms(t.total),
        },
        pipeline: {
          embedded: result.embedded,
          reranker_applied: result.rerankerApplied,
          ranker_applied: result.rankerApplied,
          question_type: result.questionType,
          fusion: result.fusion,
          channels: result.channels,
        },
      }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/recall",
      tags: ["search"],
      summary: "Memories for the current context; each one returned counts as accessed",
      middleware: scoped("read"),
      request: jsonBody(recallBody),
      responses: { 200: json(recallResponseSchema, "memories"), ...errors(400, 401, 403) },
    }),
    async (c) => {
      const b = c.req.valid("json");
      const userId = c.get("principal").user.id;
      const rows = await search.recall(userId, { query: b.query ?? b.context, limit: b.limit, spaceId: b.space_id });
      const res = c.json({ memories: rows.map(memoryDto) }, 200);
      deps.engram.fsrs.queueImplicitReview(userId, rows.map((r) => r.id));
      return res;
    },
  );
}
