/** The graph subsystem's public face: links, entities, PageRank and communities, and their views. */
import type { CoreContext } from "../context.js";
import type { MemoryEvents } from "../events/index.js";
import type { JobQueue } from "../jobs/index.js";
import type { VectorStore } from "../vector/index.js";
import { DEFAULT_GRAPH_CONFIG, type GraphConfig } from "./config.js";
import { registerGraphJobs } from "./jobs.js";
import { GraphService } from "./service.js";
import type { TextIndex } from "./text-index.js";

export { graphNeighbors, edgeWeight, EDGE_TYPE_WEIGHTS, SECOND_HOP_DECAY, type GraphNeighbor, type GraphNeighborOptions } from "./neighbors.js";
export { GraphService, type IndexResult } from "./service.js";
export { registerGraphJobs } from "./jobs.js";
export { DEFAULT_GRAPH_CONFIG, type GraphConfig } from "./config.js";
export { LINK_TYPES, ruleClassifier, type LinkType, type LinkClassifier, type LinkNeighbour, type ProposedLink } from "./link-rules.js";
export { ENTITY_TYPES, extractEntities, entityKey, type EntityType, type ExtractedEntity, type KnownEntity } from "./entity-rules.js";
export { entityInputSchema, type EntityInput, type EntityMention, type Cooccurrence, type EntityRelationship } from "./entities.js";
export type { AutoLinkResult } from "./auto-link.js";
export type { PagerankResult, CommunitiesResult, RefreshResult } from "./refresh.js";
export type { GraphView, GraphDrawing, Neighborhood, TimelineWeek, CommunitySummary } from "./views.js";
export type { GraphStateRow } from "./store/state.js";
export type { TextIndex } from "./text-index.js";
export { graphData, analyse, type GraphData, type Analysis } from "./algorithms.js";
export type { EntityRow, CommunityRow } from "../db/index.js";
/** The graph with its jobs (auto_link, graph_refresh) registered; it forgets a deleted memory's mentions in the delete's transaction. */
export function createGraph(
  ctx: CoreContext,
  deps: { vectors: VectorStore; text: TextIndex; jobs: JobQueue; events: MemoryEvents; config?: GraphConfig },
): GraphService {
  const config = deps.config ?? DEFAULT_GRAPH_CONFIG;
  const graph = new GraphService(ctx, deps.vectors, deps.text, config, deps.events);
  registerGraphJobs(deps.jobs, graph, config, () => ctx.clock.now());
  return graph;
}
