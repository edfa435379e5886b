import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { storeInputSchema } from "../../src/memory/index.js";
import { tempEngram } from "./temp-engram.js";

const pairSchema = z.object({
  a: z.string(),
  b: z.string(),
  contradicts: z.boolean(),
  kind: z.enum(["value", "negation", "quantity"]).nullable(),
  note: z.string(),
});
export type LabelledPair = z.infer<typeof pairSchema>;

export const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/contradictions.json");

export function loadPairs(): LabelledPair[] {
  return z.object({ pairs: z.array(pairSchema) }).parse(JSON.parse(fs.readFileSync(FIXTURE, "utf8"))).pairs;
}

export interface ContradictionScore {
  pairs: number;
  labelledContradicting: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  f1: number;
  /** Of the true positives, those reported with the labelled kind. */
  kindAccuracy: number;
  errors: { a: string; b: string; expected: string; found: string; note: string }[];
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Contradiction detection on the labelled pairs, rules-only, through the real path: each pair is
 * one new user's two memories, stored a day apart, facts extracted as the post-store step does,
 * then the contradictions that involve the second memory.
 */
export async function scoreContradictions(pairs: readonly LabelledPair[]): Promise<ContradictionScore> {
  const t = tempEngram("engram-contradictions-");
  try {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let kindRight = 0;
    const errors: ContradictionScore["errors"] = [];
    for (const [i, pair] of pairs.entries()) {
      const user = t.engram.auth.createUser(`pair${i}`, undefined, "writer").id;
      const ids: number[] = [];
      for (const content of [pair.a, pair.b]) {
        const r = t.engram.memories.store(user, storeInputSchema.parse({ content }));
        if (r.kind !== "stored") throw new Error(`pair ${i}: "${content}" was taken for a duplicate`);
        ids.push(r.memory.id);
        await t.engram.facts.extract(user, r.memory.id);
        t.clock.advance(86_400_000);
      }
      const found = (await t.engram.facts.contradictionsOf(user, ids[1]!)).filter((c) => c.memoryB === ids[0]);
      const kinds = [...new Set(found.map((c) => c.kind))];
      if (pair.contradicts && found.length > 0) {
        tp += 1;
        if (kinds.includes(pair.kind!)) kindRight += 1;
        else errors.push({ a: pair.a, b: pair.b, expected: pair.kind!, found: kinds.join(","), note: pair.note });
      } else if (pair.contradicts) {
        fn += 1;
        errors.push({ a: pair.a, b: pair.b, expected: pair.kind!, found: "none", note: pair.note });
      } else if (found.length > 0) {
        fp += 1;
        errors.push({ a: pair.a, b: pair.b, expected: "none", found: kinds.join(","), note: pair.note });
      }
    }
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    return {
      pairs: pairs.length,
      labelledContradicting: pairs.filter((p) => p.contradicts).length,
      truePositives: tp,
      falsePositives: fp,
      falseNegatives: fn,
      precision: round(precision),
      recall: round(recall),
      f1: round(precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)),
      kindAccuracy: round(tp === 0 ? 0 : kindRight / tp),
      errors,
    };
  } finally {
    t.close();
  }
}
