/** The search subsystem's public face: hybrid search over a tenant's memories, and context assembly on top of it. */
import type { CoreContext } from "../context.js";
import type { MemoryEvents } from "../events/index.js";
import type { TextIndex } from "../graph/index.js";
import type { MemoryService } from "../memory/index.js";
import type { EmbeddingLog, EmbeddingService, VectorStore } from "../vector/index.js";
import { ContextAssembler } from "./context.js";
import { graphTextIndex } from "./lexical.js";
import { rerankerFromFolder, type RerankerConfig, type SearchReranker } from "./rerank.js";
import { SearchService, type SearchOptions } from "./service.js";
import { LexicalStore } from "./store.js";

export { SearchService, type SearchHit, type SearchResult, type SearchRequest, type SearchOptions } from "./service.js";
export { SearchReranker, type RerankerConfig } from "./rerank.js";
export {
  ContextAssembler,
  CONTEXT_MODES,
  CONTEXT_STRATEGIES,
  SECTIONS as CONTEXT_SECTIONS,
  type AssembledContext,
  type ContextBlock,
  type ContextDuplicate,
  type ContextProgress,
  countTokens,
} from "./context.js";
export { fuse, scoreFuse, RRF_K, type ChannelRanking, type Fused, type FusionMethod } from "./fusion.js";
export { CHANNELS, TYPE_WEIGHTS, RRF_WEIGHTS, type ChannelName, type ChannelWeights } from "./weights.js";
export { WordNet } from "./expansion/wordnet.js";
export { SHIPPED_RANKER, RANKER_FEATURES, RANKER_CANDIDATES, type RankerModel, type RankerOutcome } from "./ranker/index.js";
export { DEFAULT_ABSTAIN_MIN_SIMILARITY } from "./service.js";
export { detectQuestionType, QUESTION_TYPES, type QuestionType } from "./question-type.js";
export type { Factors } from "./factors.js";

/** The full-text index as the graph reads it (linking candidates without vectors, entity mentions). */
export function createTextIndex(ctx: CoreContext): TextIndex {
  return graphTextIndex(new LexicalStore(ctx.db));
}

export interface SearchSubsystem {
  search: SearchService;
  /** The cross-encoder stage, when a model is present; `reranker.start(log)` loads it. */
  reranker: SearchReranker | null;
  /** Budget-aware context assembly over search, static, session, linked and recent memories. */
  context: ContextAssembler;
}

/** Search and context; a tenant's cached rankings are dropped at every change of its memories. */
export function createSearch(
  ctx: CoreContext,
  deps: {
    memories: MemoryService;
    vectors: VectorStore;
    embedding: EmbeddingService;
    events: MemoryEvents;
    options: SearchOptions;
    reranker: RerankerConfig | null;
    log: EmbeddingLog;
  },
): SearchSubsystem {
  const reranker = deps.reranker ? rerankerFromFolder(deps.reranker, deps.log) : null;
  const search = new SearchService(ctx, deps.memories, deps.vectors, deps.embedding, reranker, deps.options);
  deps.events.onChanged(({ userId }) => search.cache.invalidate(userId));
  return { search, reranker, context: new ContextAssembler(ctx, deps.memories, search) };
}
