import { isoNow, type CoreContext } from "../../context.js";
import { conflict, notFound } from "../../errors.js";
import { linkStore, type MemoryService } from "../../memory/index.js";
import type { LlmClient } from "../../llm/index.js";
import type { EmbeddingService } from "../../vector/index.js";
import type { MemoryRow } from "../../db/index.js";
import { derivedVector, storeDerived } from "../derived.js";
import type { ReflectionStore } from "../reflections/store.js";
import { growthAnswerSchema, MAX_OBSERVATION, MIN_OBSERVATION, observationOf, readGrowthAnswer } from "./answer.js";
import { scrubSecrets } from "./scrub.js";

export interface GrowthInput {
  service: string;
  context: readonly string[];
  existingGrowth?: string | undefined;
  promptOverride?: string | undefined;
}

export type GrowthOutcome =
  | { observation: string; stored_memory_id: number; reflection_id: number; method: "llm" }
  | { observation: null; stored_memory_id: null; reflection_id: null; reason: "llm_unavailable" | "llm_failed" | "nothing_observed" };

/** What of the request goes into the prompt: existing growth notes, and the context entries, newest last. */
const MAX_EXISTING = 4000;
const MAX_ENTRY = 2000;
const MAX_CONTEXT = 20_000;
const GROWTH_IMPORTANCE = 7;
const INSIGHT_IMPORTANCE = 8;

const PROMPT = `You watch how a service and its user work together and note one thing worth learning from it.
Write one observation (${MIN_OBSERVATION} to ${MAX_OBSERVATION} characters) that is new compared with the existing notes, or null when there is nothing new.
Answer with JSON only: {"observation": "<text>" | null}`;

const nothing = (reason: "llm_unavailable" | "llm_failed" | "nothing_observed"): GrowthOutcome => ({
  observation: null,
  stored_memory_id: null,
  reflection_id: null,
  reason,
});

/** The context entries that fit the prompt, keeping the newest (the last ones). */
function promptContext(entries: readonly string[]): string {
  const kept: string[] = [];
  let size = 0;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!.slice(0, MAX_ENTRY);
    if (size + e.length > MAX_CONTEXT) break;
    kept.unshift(`- ${e}`);
    size += e.length;
  }
  return kept.join("\n");
}

/**
 * Growth observations (contracts/intelligence.md §5.4): the LLM notes what a service could learn
 * from recent context; there is no rules path, so without an LLM nothing is observed and the
 * answer says why. An observation is a memory (category `growth`) and a `growth` reflection.
 */
export class Growth {
  constructor(
    private readonly ctx: CoreContext,
    private readonly memories: MemoryService,
    private readonly embedding: EmbeddingService,
    private readonly reflections: ReflectionStore,
    private readonly llm: LlmClient,
  ) {}

  async reflect(userId: number, input: GrowthInput): Promise<GrowthOutcome> {
    if (!this.llm.configured) return nothing("llm_unavailable");
    const prompt = [
      `Service: ${input.service}`,
      `Existing notes:\n${input.existingGrowth?.slice(0, MAX_EXISTING) || "(none)"}`,
      `Recent context:\n${promptContext(input.context)}`,
    ].join("\n\n");
    const r = await this.llm.complete({
      feature: "growth",
      system: input.promptOverride ?? PROMPT,
      input: prompt,
      schema: growthAnswerSchema,
      read: readGrowthAnswer,
      temperature: 0.7,
    });
    if (!r.ok) return nothing("llm_failed");
    const observed = observationOf(r.value);
    if (observed.kind === "invalid") return nothing("llm_failed");
    if (observed.kind === "nothing") return nothing("nothing_observed");
    // Scrubbed before anything is stored: the model may echo a key or token from the context.
    const observation = scrubSecrets(observed.text);
    const vector = await derivedVector(this.embedding, observation);
    return this.ctx.db.sqlite.transaction((): GrowthOutcome => {
      const { memory } = storeDerived(
        this.memories,
        userId,
        { content: observation, category: "growth", source: `${input.service}-growth`, importance: GROWTH_IMPORTANCE },
        vector,
      );
      this.memories.annotate(userId, memory.id, { model: r.model });
      const reflection = this.reflections.insert({
        userId,
        content: observation,
        reflectionType: "growth",
        themes: [],
        periodStart: null,
        periodEnd: null,
        sourceMemoryIds: [memory.id],
        confidence: 1,
        createdAt: isoNow(this.ctx),
      });
      return { observation, stored_memory_id: memory.id, reflection_id: reflection.id, method: "llm" };
    })();
  }

  /** The user's live growth observations, newest first. */
  observations(userId: number, limit: number): MemoryRow[] {
    return this.memories.byIds(userId, this.reflections.growth(userId, limit));
  }

  /**
   * Promotes an observation to an `insight` memory of importance 8, through the store path.
   * The observation is superseded by it (readable by id, linked), so search does not show the
   * same text twice; promoting it again is a 409.
   */
  async materialize(userId: number, observationId: number): Promise<MemoryRow> {
    this.observation(userId, observationId);
    const content = this.memories.get(userId, observationId).content;
    const vector = await derivedVector(this.embedding, content);
    return this.ctx.db.sqlite.transaction(() => {
      const obs = this.observation(userId, observationId);
      this.memories.annotate(userId, obs.id, { isSuperseded: true });
      const { memory } = storeDerived(
        this.memories,
        userId,
        { content: obs.content, category: "insight", source: obs.source, importance: INSIGHT_IMPORTANCE, tags: obs.tags, space_id: obs.spaceId },
        vector,
      );
      linkStore(this.ctx.db).insert(userId, { sourceId: memory.id, targetId: obs.id, type: "supersedes", similarity: 1 }, isoNow(this.ctx));
      return memory;
    })();
  }

  /** The user's growth memory (404 when missing, another tenant's or not a growth memory; 409 once promoted). */
  private observation(userId: number, id: number): MemoryRow {
    const m = this.memories.find(userId, id);
    if (!m || m.isForgotten || m.category !== "growth") throw notFound("growth observation");
    if (m.isSuperseded) throw conflict(`observation ${id} is already materialized`);
    return m;
  }
}
