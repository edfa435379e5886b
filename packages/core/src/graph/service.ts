import type { CoreContext } from "../context.js";
import type { VectorStore } from "../vector/vector-store.js";
import { AutoLinker, type AutoLinkResult } from "./auto-link.js";
import type { GraphConfig } from "./config.js";
import { EntityService } from "./entities.js";
import { EntityExtractor } from "./entity-extractor.js";
import { GraphState } from "./graph-state.js";
import type { LinkClassifier } from "./link-rules.js";
import { graphNeighbors, type GraphNeighbor, type GraphNeighborOptions } from "./neighbors.js";
import { GraphRefresher } from "./refresh.js";
import { GraphViews } from "./views.js";

export interface IndexResult {
  links: AutoLinkResult;
  entities: number;
}

/** The knowledge graph: auto-linking, entities, PageRank and communities, and their read models. */
export class GraphService {
  readonly state: GraphState;
  readonly entities: EntityService;
  readonly linker: AutoLinker;
  readonly refresher: GraphRefresher;
  readonly views: GraphViews;
  private readonly extractor: EntityExtractor;

  constructor(
    private readonly ctx: CoreContext,
    vectors: VectorStore,
    readonly config: GraphConfig,
    /** Called when a tenant's links or scores change (the search cache listens). */
    private readonly onChange: (userId: number) => void = () => {},
    classifier?: LinkClassifier,
  ) {
    this.state = new GraphState(ctx);
    this.extractor = new EntityExtractor(config.entityTimeoutMs);
    this.entities = new EntityService(ctx, this.extractor);
    this.linker = new AutoLinker(
      ctx,
      vectors,
      this.state,
      { minSimilarity: config.autoLinkMinSimilarity, lexicalMinSimilarity: config.autoLinkMinLexical, maxNeighbors: config.autoLinkMaxNeighbors },
      classifier,
    );
    this.refresher = new GraphRefresher(ctx, this.state, this.entities, onChange);
    this.views = new GraphViews(ctx, this.state);
  }

  /** What the auto_link job does for a stored memory: its links, then its entities. */
  async indexMemory(userId: number, memoryId: number): Promise<IndexResult> {
    const links = this.config.autoLinkEnabled ? await this.linker.link(userId, memoryId) : { method: "skipped" as const, neighbors: 0, links: 0 };
    if (links.links > 0) this.onChange(userId);
    return { links, entities: await this.entities.indexMemory(userId, memoryId) };
  }

  /** Stops the extraction worker (after the job queue has stopped). */
  close(): Promise<void> {
    return this.extractor.close();
  }

  /** The search graph channel: 2-hop expansion from the seeds (see neighbors.ts). */
  neighbors(userId: number, seedIds: readonly number[], opts: GraphNeighborOptions): GraphNeighbor[] {
    return graphNeighbors(this.ctx.db, userId, seedIds, opts);
  }
}
