/**
 * Guard benchmark through the public HTTP API of real servers: each labelled case of
 * packages/core/src/intelligence/guard-cases.json (a rule, an action, the decision a careful
 * reviewer would give, critical = a destructive command against a path or host the rule names)
 * stores its rule alone, asks POST /guard about the action, and deletes the rule. Two servers in
 * the same run: words only (ENGRAM_EMBEDDING_PROVIDER=none, the baseline) and words plus the
 * bundled USE-lite embedder (the default). Reports precision and recall of block and of warn,
 * block recall on the critical cases, the median /guard time of each, and every case's cosine
 * between the rule's object and the action (what MEANING_FLOOR was set from).
 *
 * Run alone with `pnpm build && tsx bench/guard.ts` (about a minute).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { EmbeddingMeaning, loadGuardCases, MEANING_FLOOR, scoreSignal, UseLiteEmbedder, type GuardCase } from "@engram/core";
import { api, bootstrap, ROOT, startServer } from "../test/support/server.js";

type Signal = "allow" | "warn" | "block";
const round = (x: number) => Math.round(x * 1000) / 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

async function decideAll(cases: GuardCase[], env: Record<string, string>): Promise<{ decided: Signal[]; ms: number[] }> {
  const server = await startServer({ ENGRAM_RATE_LIMIT_ENABLED: "0", ...env });
  try {
    const c = api(server.url, await bootstrap(server.url));
    const decided: Signal[] = [];
    const ms: number[] = [];
    for (const k of cases) {
      const stored = await c.post("/store", {
        content: k.rule,
        importance: k.importance,
        category: k.kind === "rule" ? "rule" : "general",
        is_static: k.kind === "static",
      });
      if (stored.status !== 201) throw new Error(`store failed: ${stored.status} ${JSON.stringify(stored.body)}`);
      const t = performance.now();
      const res = await c.post("/guard", { action: k.action });
      ms.push(performance.now() - t);
      if (res.status !== 200) throw new Error(`guard failed: ${res.status} ${JSON.stringify(res.body)}`);
      decided.push(res.body.signal as Signal);
      await c.del(`/memory/${stored.body.id}`);
    }
    return { decided, ms };
  } finally {
    await server.stop();
  }
}

function scores(cases: GuardCase[], decided: Signal[]) {
  const pairs = cases.map((k, i) => ({ expected: k.expected, decided: decided[i]! }));
  const critical = pairs.filter((_, i) => cases[i]!.critical);
  const fmt = (s: ReturnType<typeof scoreSignal>) => ({ precision: round(s.precision), recall: round(s.recall), predicted: s.predicted, expected: s.expected, correct: s.correct });
  return {
    block: fmt(scoreSignal(pairs, "block")),
    warn: fmt(scoreSignal(pairs, "warn")),
    critical_block_recall: round(scoreSignal(critical, "block").recall),
    exact_decisions: pairs.filter((p) => p.expected === p.decided).length,
  };
}

export async function runGuardBench(): Promise<object> {
  const cases = loadGuardCases();
  console.log(`guard: ${cases.length} labelled cases, words only…`);
  const words = await decideAll(cases, { ENGRAM_EMBEDDING_PROVIDER: "none" });
  console.log("guard: words and the USE-lite embedder…");
  const meaning = await decideAll(cases, { ENGRAM_EMBEDDING_PROVIDER: "use-lite" });

  const embedder = new UseLiteEmbedder();
  await embedder.load();
  const judge = new EmbeddingMeaning((texts) => embedder.embed(texts), () => embedder.id);
  const cosines: (number | null)[] = [];
  for (const k of cases) {
    const s = await judge.scores(k.action, [{ id: 1, content: k.rule, importance: k.importance }]);
    cosines.push(s && s.length ? round(Math.max(...s.map((x) => x.score))) : null);
  }
  await embedder.close?.();

  const report = {
    measured_at: new Date().toISOString(),
    machine: `${os.availableParallelism()} shared cores`,
    cases: cases.length,
    critical_cases: cases.filter((k) => k.critical).length,
    expected: { block: cases.filter((k) => k.expected === "block").length, warn: cases.filter((k) => k.expected === "warn").length, allow: cases.filter((k) => k.expected === "allow").length },
    meaning_floor: MEANING_FLOOR,
    words_only: { ...scores(cases, words.decided), guard_p50_ms: round(median(words.ms)) },
    words_and_embedder: { ...scores(cases, meaning.decided), guard_p50_ms: round(median(meaning.ms)) },
    per_case: cases.map((k, i) => ({
      rule: k.rule,
      action: k.action,
      expected: k.expected,
      critical: k.critical,
      words_only: words.decided[i],
      words_and_embedder: meaning.decided[i],
      cosine: cosines[i],
    })),
  };
  const out = path.join(ROOT, "bench/results/guard.json");
  fs.writeFileSync(out, JSON.stringify(report, null, 2) + "\n");
  console.log(`written to ${out}`);
  return report;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runGuardBench();
