/**
 * Contradiction detection, rules-only: precision and recall on the labelled pairs of
 * packages/core/test/fixtures/contradictions.json (each pair one user's two memories, stored a
 * day apart, facts extracted as the post-store step does). Writes bench/results/contradictions.json.
 * Run alone with `tsx bench/contradictions.ts`; the core test contradictions-fixture.test.ts holds
 * the same figures to their floors.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../test/support/server.js";
import { loadPairs, scoreContradictions } from "../packages/core/test/support/contradiction-eval.js";

export async function runContradictionsBench(): Promise<void> {
  const pairs = loadPairs();
  const score = await scoreContradictions(pairs);
  const kinds = Object.fromEntries(["value", "negation", "quantity"].map((k) => [k, pairs.filter((p) => p.kind === k).length]));
  const out = {
    benchmark: "contradictions",
    measured_at: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "unknown cpu"}`,
    method: "rules",
    fixture: "packages/core/test/fixtures/contradictions.json",
    labelled_kinds: kinds,
    ...score,
  };
  const file = path.join(ROOT, "bench/results/contradictions.json");
  fs.writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
  console.log(`contradictions: ${score.pairs} pairs, precision ${score.precision}, recall ${score.recall}, F1 ${score.f1} → ${path.relative(ROOT, file)}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runContradictionsBench();
