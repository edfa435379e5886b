import { z } from "zod";
import { parseModelJson } from "../../llm/index.js";

/**
 * What a growth reflection's model may answer (contracts/intelligence.md §3): JSON
 * `{"observation": s | null}`, or the observation as plain text, where `NOTHING` (any case, an
 * optional trailing period) means null. Small models asked for "one observation or nothing" answer
 * in prose as often as in JSON, so both count.
 */
export const growthAnswerSchema = z.object({ observation: z.string().nullable() });
export type GrowthAnswer = z.infer<typeof growthAnswerSchema>;

/** Bounds of an observation, in characters (contract §3). */
export const MIN_OBSERVATION = 10;
export const MAX_OBSERVATION = 500;

/**
 * The answer's text as the schema checks it: its JSON when it has some; otherwise the whole
 * text as the observation. Text that starts like JSON but does not parse is a broken JSON answer,
 * not an observation: undefined, which the schema refuses (the call failed).
 */
export function readGrowthAnswer(content: string): unknown {
  const json = parseModelJson(content);
  if (json !== undefined) return json;
  const text = content.trim();
  if (/^(?:[{[]|```)/.test(text)) return undefined;
  return { observation: text };
}

const NOTHING = /^nothing\.?$/i;

/**
 * What an answer observed: nothing (null, `NOTHING`, or shorter than 10 characters: too short to
 * say anything), an observation of 10..500 characters, or `invalid` for a longer one, which breaks
 * the contract's limit and counts as a failed call rather than being cut mid-sentence.
 */
export function observationOf(answer: GrowthAnswer): { kind: "nothing" } | { kind: "invalid" } | { kind: "observation"; text: string } {
  const text = answer.observation?.trim() ?? "";
  if (NOTHING.test(text) || text.length < MIN_OBSERVATION) return { kind: "nothing" };
  if (text.length > MAX_OBSERVATION) return { kind: "invalid" };
  return { kind: "observation", text };
}
