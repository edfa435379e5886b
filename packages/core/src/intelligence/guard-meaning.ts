import { leadingWindow } from "../text/index.js";
import { GUARD_SCAN_CHARS, guardTerms, prohibitedObjects, type GuardRule } from "./guard.js";

/**
 * Matching by meaning: when no rule's words match an action, a rule may still be about it
 * ("wipe everything under /opt" against "Never run rm -rf on /opt"). Meaning only ever raises
 * an `allow` to a `warn`, never to a `block`: a block needs the rule's own words in the action,
 * so it stays explainable and cannot come from a model's guess.
 *
 * The embedder's judgement: the cosine between each rule's prohibited object and the action.
 * MEANING_FLOOR was set on the labelled set (guard-cases.json) with the bundled USE-lite
 * model: of the actions whose words miss their rule, those about it score 0.50-0.60 ("paste
 * the access token into the Slack channel" against "share API keys in chat": 0.58), unrelated
 * ones 0.34-0.52 ("list the files in the home directory" against "run rm -rf on /opt": 0.52,
 * the one false warning at this floor). `bench/guard.ts` prints every case's cosine. Other
 * models spread cosines differently; the floor is a constant here, not a setting.
 */
export const MEANING_FLOOR = 0.5;

/**
 * At most this many rule objects are embedded for one check (the most important rules'
 * first): the per-request cost is bounded however many rules a user stores. Objects embedded
 * before come from a cache, so a steady rule set costs one embedding (the action's) per check.
 */
export const MEANING_MAX_OBJECTS = 32;

/** Distinct rule objects whose vectors are kept between checks (each a few KB). */
const CACHE_SIZE = 2_048;

export interface MeaningMatch {
  id: number;
  score: number;
}

/** Texts to normalised vectors (the embedding service, which runs them on its worker pool); null without a model. */
export type EmbedTexts = (texts: string[]) => Promise<Float32Array[] | null>;

/** The rule objects a check compares by meaning, most important rules first, capped. */
export function meaningObjects(rules: readonly GuardRule[]): { id: number; text: string }[] {
  const out: { id: number; text: string }[] = [];
  const byImportance = [...rules].sort((a, b) => b.importance - a.importance || a.id - b.id);
  for (const rule of byImportance) {
    for (const object of prohibitedObjects(leadingWindow(rule.content, GUARD_SCAN_CHARS))) {
      const text = object.replace(/\s+/g, " ").trim();
      if (guardTerms(text).size === 0) continue;
      out.push({ id: rule.id, text });
      if (out.length === MEANING_MAX_OBJECTS) return out;
    }
  }
  return out;
}

const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** The embedder's judge, with the rule objects' vectors cached per model. */
export class EmbeddingMeaning {
  private readonly cache = new Map<string, Float32Array>();

  constructor(
    private readonly embed: EmbedTexts,
    /** The active model's id, so a model change never compares vectors of two models. */
    private readonly modelId: () => string | null,
  ) {}

  /** Rules whose object is near the action in meaning, best first; null when no model answers. */
  async matches(action: string, rules: readonly GuardRule[], floor = MEANING_FLOOR): Promise<MeaningMatch[] | null> {
    const scores = await this.scores(action, rules);
    if (!scores) return null;
    const best = new Map<number, number>();
    for (const s of scores) if (s.score >= floor && s.score > (best.get(s.id) ?? -1)) best.set(s.id, s.score);
    return [...best].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || a.id - b.id);
  }

  /** Every compared object's cosine with the action (the benchmark prints them to set the floor). */
  async scores(action: string, rules: readonly GuardRule[]): Promise<{ id: number; text: string; score: number }[] | null> {
    const model = this.modelId();
    const objects = meaningObjects(rules);
    if (model === null || objects.length === 0) return null;
    const key = (text: string) => `${model}\u0000${text}`;
    const known = new Map<string, Float32Array>();
    for (const o of objects) {
      const hit = this.cache.get(key(o.text));
      if (hit) known.set(o.text, hit);
    }
    const missing = [...new Set(objects.map((o) => o.text).filter((t) => !known.has(t)))];
    const vectors = await this.embed([action, ...missing]);
    if (!vectors || vectors.length !== missing.length + 1) return null;
    missing.forEach((text, i) => {
      known.set(text, vectors[i + 1]!);
      this.remember(key(text), vectors[i + 1]!);
    });
    const actionVector = vectors[0]!;
    return objects.flatMap((o) => {
      const v = known.get(o.text)!;
      return v.length === actionVector.length ? [{ ...o, score: dot(actionVector, v) }] : [];
    });
  }

  private remember(key: string, vector: Float32Array): void {
    this.cache.delete(key);
    this.cache.set(key, vector);
    if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
  }
}
