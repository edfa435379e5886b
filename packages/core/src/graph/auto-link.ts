import { isoNow, type CoreContext } from "../context.js";
import type { MemoryHead, MemoryLookups } from "../memory/index.js";
import { leadingWindow } from "../text/index.js";
import { contentTerms, jaccard } from "../text/index.js";
import type { VectorStore } from "../vector/index.js";
import { ruleClassifier, type LinkClassifier, type LinkNeighbour, type ProposedLink } from "./link-rules.js";
import type { LinkStore } from "../memory/index.js";
import type { GraphState } from "./store/state.js";
import type { TextIndex } from "./text-index.js";

export interface AutoLinkConfig {
  /** Cosine above which two memories get a `similarity` link (vectors of the active model). */
  minSimilarity: number;
  /** Jaccard of content words above which they do, when the memory has no vector. */
  lexicalMinSimilarity: number;
  /** Nearest neighbours considered per memory: bounds the links a store can add. */
  maxNeighbors: number;
}

export interface AutoLinkResult {
  /** vector: neighbours by cosine; lexical: by FTS and word overlap (no vector); skipped: nothing to link. */
  method: "vector" | "lexical" | "skipped";
  neighbors: number;
  links: number;
}

/** Where the linker finds neighbours and writes links. */
export interface AutoLinkDeps {
  /** The active model's index, searched with the memory's own vector. */
  vectors: VectorStore;
  /** Candidates for a memory with no vector. */
  text: TextIndex;
  memories: MemoryLookups;
  links: LinkStore;
  state: GraphState;
}

/** Candidates per neighbour kept: over-fetch, since old versions and hidden memories are dropped. */
const OVERFETCH = 3;
/**
 * How much of each memory linking reads (word overlap, cue phrases, the classifier's input):
 * its first 16 KB (16,384 characters), as entity extraction does. Linking runs as a job on
 * the main thread and compares a memory with up to 16 candidates; at 100 KB each that was
 * 0.2 s of word sets and cue scans per stored memory on the development machine, a sixth of
 * it now. Cues and shared words past the first 16 KB of a long memory do not count.
 */
export const LINK_SCAN_CHARS = 16_384;

/**
 * Links a stored memory to its nearest neighbours of the same tenant. Neighbours come from
 * the vector index of the active model when the memory has a vector there; otherwise (no
 * embeddings, or not embedded yet) from FTS5 candidates ranked by the Jaccard overlap of
 * their content words, so a server without embeddings still grows a graph.
 */
export class AutoLinker {
  constructor(
    private readonly ctx: CoreContext,
    private readonly deps: AutoLinkDeps,
    private readonly config: AutoLinkConfig,
    private readonly classifier: LinkClassifier = ruleClassifier,
  ) {}

  async link(userId: number, memoryId: number): Promise<AutoLinkResult> {
    const memory = this.live(userId, [memoryId])[0];
    if (!memory) return { method: "skipped", neighbors: 0, links: 0 };
    const vector = this.deps.vectors.vectorOf(userId, memoryId);
    const neighbours = vector ? await this.byVector(userId, memory, vector) : this.byWords(userId, memory);
    const threshold = vector ? this.config.minSimilarity : this.config.lexicalMinSimilarity;
    const classified = neighbours.length ? await this.classifier.classify(memory, neighbours, threshold) : [];
    // Whatever the classifier says, a link joins this memory to one of its (same-tenant) neighbours.
    const allowed = new Set(neighbours.map((n) => n.id));
    const proposed = classified.filter(
      (p) => (p.sourceId === memoryId && allowed.has(p.targetId)) || (p.targetId === memoryId && allowed.has(p.sourceId)),
    );
    // The memory may have changed while the classifier ran (an LLM is slow): link only what is still live.
    const links = this.ctx.db.sqlite.transaction(() => (this.live(userId, [memoryId]).length ? this.insert(userId, proposed) : 0))();
    return { method: vector ? "vector" : "lexical", neighbors: neighbours.length, links };
  }

  /** Latest, not forgotten, not archived memories of the user among `ids`, in the order given, each its first LINK_SCAN_CHARS. */
  private live(userId: number, ids: readonly number[]): MemoryHead[] {
    if (ids.length === 0) return [];
    const rows = this.deps.memories.liveHeads(userId, ids, LINK_SCAN_CHARS + 1);
    const byId = new Map(rows.map((r) => [r.id, { id: r.id, content: leadingWindow(r.content, LINK_SCAN_CHARS) }]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  private async byVector(userId: number, memory: MemoryHead, vector: Float32Array): Promise<LinkNeighbour[]> {
    const k = this.config.maxNeighbors;
    const hits = (await this.deps.vectors.search(userId, vector, k * OVERFETCH + 1)).filter((h) => h.id !== memory.id);
    const score = new Map(hits.map((h) => [h.id, h.score]));
    return this.live(userId, hits.map((h) => h.id))
      .slice(0, k)
      .map((r) => ({ id: r.id, content: r.content, similarity: score.get(r.id)! }));
  }

  private byWords(userId: number, memory: MemoryHead): LinkNeighbour[] {
    const k = this.config.maxNeighbors;
    // The text index keeps to the user's latest, live memories.
    const candidates = this.deps.text.similar(userId, memory.content, k * OVERFETCH + 1).filter((id) => id !== memory.id);
    const mine = contentTerms(memory.content);
    return this.live(userId, candidates)
      .map((r) => ({ id: r.id, content: r.content, similarity: jaccard(mine, contentTerms(r.content)) }))
      .sort((a, b) => b.similarity - a.similarity || b.id - a.id)
      .slice(0, k);
  }

  /**
   * Unique per (source, target, type); a similarity link is symmetric, so one already made
   * in the other direction counts. Returns how many links were new.
   */
  private insert(userId: number, proposed: readonly ProposedLink[]): number {
    const now = isoNow(this.ctx);
    let added = 0;
    for (const p of proposed) {
      added += this.deps.links.insert(userId, { sourceId: p.sourceId, targetId: p.targetId, type: p.type, similarity: Math.round(p.similarity * 1e4) / 1e4 }, now);
    }
    this.deps.state.addDirty(userId, added);
    return added;
  }
}
