import type { MemoryService } from "../../memory/index.js";
import { storeInputSchema } from "../../memory/index.js";
import type { EmbeddingService } from "../../vector/index.js";
import type { ConversationService } from "../conversations/index.js";
import type { EpisodeService } from "../episodes/index.js";
import { selectSentences, sentences } from "./select.js";

export interface AddMessage {
  role: "user" | "assistant" | "system" | "tool";
  content: string;
}

export interface AddInput {
  messages: readonly AddMessage[];
  session_id?: string | undefined;
  agent?: string | undefined;
  category?: string | undefined;
  importance?: number | undefined;
  tags?: string[] | undefined;
  space_id?: number | undefined;
  episode_id?: number | undefined;
  include_assistant?: boolean | undefined;
  review_status?: "approved" | "pending" | undefined;
  metadata?: unknown;
}

export interface AddResult {
  results: { id: number; memory: string; event: "ADD" | "NONE" }[];
  stored: number;
  skipped: number;
  conversation_id: number;
  method: "rules" | "llm";
}

/** A memory to store: a rules sentence, or one the LLM picked (with its own category and importance). */
export interface Picked {
  content: string;
  category: string;
  importance?: number | undefined;
}

/** Picks memories with the LLM when one is configured; null falls back to the rules. */
export type AddPicker = (messages: readonly AddMessage[]) => Promise<Picked[] | null>;

/**
 * POST /add: raw chat turns in, memories out. Each kept sentence is stored through the store
 * path (validation, SimHash duplicate check, embedding, FTS row, FSRS state, post-store job);
 * a near-duplicate is answered NONE with the existing id (the store raised its source_count).
 * The exchange itself is saved as a conversation, by (agent, session_id) when a session is named.
 */
export class AddService {
  constructor(
    private readonly deps: {
      memories: MemoryService;
      embedding: EmbeddingService;
      conversations: ConversationService;
      episodes: EpisodeService;
      picker?: AddPicker;
    },
  ) {}

  /** The rules path: sentences of the speakers considered, the others counted as skipped. */
  private rules(input: AddInput): { kept: Picked[]; skipped: number } {
    const kept: Picked[] = [];
    let skipped = 0;
    for (const m of input.messages) {
      if (m.role === "user" || (m.role === "assistant" && input.include_assistant)) {
        const r = selectSentences(m.content);
        kept.push(...r.kept);
        skipped += r.skipped;
      } else {
        skipped += Math.max(1, sentences(m.content).length);
      }
    }
    return { kept, skipped };
  }

  async add(userId: number, input: AddInput): Promise<AddResult> {
    // Checked before anything is written: a foreign episode is a 404 and changes nothing.
    if (input.episode_id !== undefined) this.deps.episodes.own(userId, input.episode_id);
    const source = input.agent ?? "add";
    const considered = input.include_assistant ? input.messages.filter((m) => m.role === "user" || m.role === "assistant") : input.messages.filter((m) => m.role === "user");
    const picked = this.deps.picker && considered.length > 0 ? await this.deps.picker(considered) : null;
    const { kept, skipped } = picked !== null ? { kept: picked, skipped: 0 } : this.rules(input);
    const method = picked !== null ? ("llm" as const) : ("rules" as const);

    const vectors = kept.length > 0 ? await this.deps.embedding.embed(kept.map((k) => k.content)) : null;
    const results: AddResult["results"] = [];
    kept.forEach((k, i) => {
      const storeInput = storeInputSchema.parse({
        content: k.content,
        category: input.category ?? k.category,
        source,
        importance: k.importance ?? input.importance ?? 5,
        tags: input.tags ?? [],
        session_id: input.session_id ?? null,
        space_id: input.space_id ?? null,
      });
      const r = this.deps.memories.store(userId, storeInput, vectors?.[i] ?? null, { reviewStatus: input.review_status ?? "approved", episodeId: input.episode_id ?? null });
      results.push(r.kind === "stored" ? { id: r.memory.id, memory: k.content, event: "ADD" } : { id: r.existingId, memory: k.content, event: "NONE" });
    });
    if (input.episode_id !== undefined) this.deps.episodes.recount(userId, input.episode_id);

    const messages = input.messages.map((m) => ({ role: m.role, content: m.content }));
    const conversation =
      input.session_id !== undefined
        ? this.deps.conversations.upsert(userId, { agent: source, session_id: input.session_id, metadata: input.metadata, messages })
        : this.deps.conversations.bulk(userId, { agent: source, metadata: input.metadata, messages });
    return { results, stored: results.filter((r) => r.event === "ADD").length, skipped, conversation_id: conversation.id, method };
  }
}
