import { z } from "zod";
import { keepValid, type LlmClient } from "../../llm/index.js";
import type { Contradiction } from "./contradictions.js";
import { isExclusive, type ExtractedFact } from "./extract-rules.js";
import type { FactExtractor, SameValueCheck } from "./service.js";
import { conversationDate, resolveValidAt } from "./valid-at.js";

const MAX_FACTS = 20;
const text = z.string().trim().min(1).max(200);
const llmFact = z.object({
  subject: text,
  predicate: text,
  object: text,
  negated: z.boolean().optional(),
  exclusive: z.boolean().optional(),
  valid_at: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((d) => !Number.isNaN(Date.parse(d))).optional(),
  confidence: z.number().min(0).max(1).optional(),
});
/** Items that fail are dropped one by one; none left counts as a failure (contracts/intelligence.md §3). */
const factsAnswer = z.object({
  facts: z
    .array(z.unknown())
    .transform((items) => keepValid(llmFact, items, MAX_FACTS))
    .refine((facts) => facts.length > 0, "no usable fact"),
});

const EXTRACT_PROMPT = `You extract facts from a personal memory. Answer with JSON only:
{"facts":[{"subject":string,"predicate":string,"object":string,"negated":boolean,"exclusive":boolean,"valid_at":"YYYY-MM-DD","confidence":number}]}
- subject: "user" for the writer (I, me, my); otherwise the lower-cased name of the person, company or thing.
- predicate: snake_case verb phrase, preferring lives_in, works_at, works_as, located_in, name, age, favorite_<thing>, likes, has, is.
- object: the value as written, without trailing punctuation.
- negated: true for "I don't like X" style statements.
- exclusive: true when the predicate holds one value at a time (where someone lives, their employer, role, name, age).
- valid_at: only when the text says when the fact became true.
- At most ${MAX_FACTS} facts. No fact for questions, wishes or plans.`;

const snake = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");
const FIRST_PERSON = /^(?:i|me|my|myself|the user|user)$/i;

/** The LLM path of fact extraction: the model's facts, dated by the model or by the §4 order; null on any failure. */
export function llmFactExtractor(llm: LlmClient): FactExtractor {
  return async (content, saidAt, background) => {
    const r = await llm.complete({ feature: "facts", system: EXTRACT_PROMPT, input: content, schema: factsAnswer, temperature: 0.1, background });
    if (!r.ok) return null;
    const dated = resolveValidAt(content, conversationDate(content), saidAt);
    const facts: ExtractedFact[] = r.value.facts.flatMap((f) => {
      const predicate = snake(f.predicate);
      if (predicate.length === 0) return [];
      return [
        {
          subject: FIRST_PERSON.test(f.subject) ? "user" : f.subject.toLowerCase(),
          predicate,
          object: f.object.replace(/[.!?,;:]+$/, ""),
          negated: f.negated ?? false,
          exclusive: f.exclusive ?? isExclusive(predicate),
          quantity: null,
          unit: null,
          dateRef: null,
          validAt: f.valid_at ? new Date(`${f.valid_at}T00:00:00.000Z`).toISOString() : dated.validAt,
          confidence: f.confidence ?? 0.8,
        },
      ];
    });
    return facts.length > 0 ? { facts, method: "llm", model: r.model } : null;
  };
}

const sameValueAnswer = z.object({ same_value: z.boolean() });
const SAME_VALUE_PROMPT = `Two statements give an attribute of one subject. Do the two values name the same thing (a spelling, an abbreviation, a nickname)? Answer with JSON only: {"same_value": true|false}`;

/** Initials of a multi-word value ("New York City" → "nyc"). */
const initials = (s: string) => s.split(/\s+/).map((w) => w[0] ?? "").join("");

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/**
 * Whether two values could be spellings of one thing: one is the other's initials, one contains
 * the other, or they are a typo apart. Only such pairs are worth an LLM call; "Berlin" and
 * "Munich" are a real conflict without asking.
 */
export function maySpellSame(a: string, b: string): boolean {
  const [x, y] = [a.toLowerCase().trim(), b.toLowerCase().trim()];
  if (x === y) return true;
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  if (short.length >= 2 && !short.includes(" ") && initials(long) === short.replace(/\./g, "")) return true;
  if (short.length >= 3 && long.includes(short)) return true;
  return short.length >= 4 && editDistance(x, y) <= Math.max(1, Math.floor(short.length / 5));
}

/** With an LLM: asks whether a value pair that may be one thing is one thing; null on failure or when not worth asking. */
export function llmSameValue(llm: LlmClient): SameValueCheck {
  return async (pair: Contradiction, background) => {
    if (!maySpellSame(pair.objectA, pair.objectB)) return null;
    const input = `Subject: ${pair.subject}\nAttribute: ${pair.predicate}\nValue A: ${pair.objectA}\nValue B: ${pair.objectB}`;
    const r = await llm.complete({ feature: "contradictions", system: SAME_VALUE_PROMPT, input, schema: sameValueAnswer, temperature: 0.1, maxTokens: 50, background });
    return r.ok ? r.value.same_value : null;
  };
}
