import type { CoreContext } from "../context.js";
import type { MemoryEvents } from "../events/index.js";
import { MemoryGraphColumns } from "../memory/index.js";
import { MemoryLookups } from "../memory/index.js";
import { MemorySelections } from "../memory/index.js";
import { SpaceStore } from "../auth/index.js";
import type { VectorStore } from "../vector/index.js";
import { AutoLinker, type AutoLinkResult } from "./auto-link.js";
import type { GraphConfig } from "./config.js";
import { EntityService } from "./entities.js";
import { EntityExtractor } from "./entity-extractor.js";
import type { LinkClassifier } from "./link-rules.js";
import { graphNeighbors, type GraphNeighbor, type GraphNeighborOptions } from "./neighbors.js";
import { GraphRefresher } from "./refresh.js";
import { CommunityStore } from "./store/communities.js";
import { EntityStore } from "./store/entities.js";
import { linkStore } from "../memory/index.js";
import { GraphState } from "./store/state.js";
import type { TextIndex } from "./text-index.js";
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
    /** Search's full-text index: linking candidates without vectors, and entity mentions. */
    text: TextIndex,
    readonly config: GraphConfig,
    /** New links and scores are announced as ranking changes; deletes reach the entity mentions. */
    private readonly events: MemoryEvents,
    classifier?: LinkClassifier,
  ) {
    const db = ctx.db;
    const links = linkStore(db);
    const memories = new MemoryLookups(db);
    const columns = new MemoryGraphColumns(db);
    const communities = new CommunityStore(db);
    const entityStore = new EntityStore(db);
    this.state = new GraphState(db);
    this.extractor = new EntityExtractor(config.entityTimeoutMs);
    this.entities = new EntityService(ctx, this.extractor, { store: entityStore, memories, spaces: new SpaceStore(db), text });
    this.linker = new AutoLinker(
      ctx,
      { vectors, text, memories, links, state: this.state },
      { minSimilarity: config.autoLinkMinSimilarity, lexicalMinSimilarity: config.autoLinkMinLexical, maxNeighbors: config.autoLinkMaxNeighbors },
      classifier,
    );
    this.refresher = new GraphRefresher(ctx, { state: this.state, links, communities, columns, memories, entities: this.entities }, (userId) =>
      this.rankingChanged(userId),
    );
    events.onDeleting(({ userId, memoryId, restoredId }) => this.entities.forgetMemory(userId, memoryId, restoredId));
    this.views = new GraphViews({ state: this.state, links, communities, entities: entityStore, memories, columns, selections: new MemorySelections(db) });
  }

  /** What the auto_link job does for a stored memory: its links, then its entities. */
  async indexMemory(userId: number, memoryId: number): Promise<IndexResult> {
    const links = this.config.autoLinkEnabled ? await this.linker.link(userId, memoryId) : { method: "skipped" as const, neighbors: 0, links: 0 };
    if (links.links > 0) this.rankingChanged(userId);
    return { links, entities: await this.entities.indexMemory(userId, memoryId) };
  }

  private rankingChanged(userId: number): void {
    this.events.emitChanged({ userId, changes: [{ kind: "ranking" }] });
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
