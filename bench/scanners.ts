/**
 * Text-scanner benchmark (security review, findings 3-5 and the audit after them): every scanner
 * that reads memory content or request text, timed at sizes n, 2n, 4n, 8n (12.8 KB to 100 KB)
 * on inputs shaped to make a backtracking scanner quadratic, with the growth factor per doubling:
 * about 2 is linear, about 4 quadratic, about 1 a cost the scanner bounds (it reads a window).
 * Scanners whose window is smaller than 12.8 KB are also timed inside it. In process, over the
 * built packages; the fastest of 11 interleaved calls per size, each after a full garbage
 * collection (see timesAt). Run alone with `pnpm build && tsx bench/scanners.ts`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import { buildFtsQuery, countTokens, detectQuestionType, extractEntities, ruleClassifier, simhash } from "@engram/core";
import { ROOT } from "../test/support/server.js";
import * as scanners from "../packages/core/dist/graph/entity-scanners.js";
import { NameMatcher } from "../packages/core/dist/graph/name-matcher.js";
import { entityKey } from "../packages/core/dist/graph/entity-rules.js";
import { contentTerms } from "../packages/core/dist/text/terms.js";
import { evaluate } from "../packages/core/dist/intelligence/guard.js";
import { nameCoverage, namesIn } from "../packages/core/dist/text/query-names.js";
import { tokensWithin } from "../packages/core/dist/text/token-count.js";
import { extractMemories } from "../apps/sidecar/dist/extract.js";
import { markdownSections } from "../apps/cli/dist/import-sources.js";
// A plain ES module of the hooks (no type declarations).
import { joinLines } from "../hooks/lib/text.mjs";

const SIZES = [12_800, 25_600, 51_200, 102_400];
const WINDOW_SIZES = [2_048, 4_096, 8_192, 16_384];

/** Each input is its unit repeated to the size asked. */
const INPUTS: Record<string, string> = {
  prose: "Alice said the deploy to api.example.com failed; ask @bob about /etc/nginx/nginx.conf on server web-01 with Docker. ",
  "b.": "b.",
  "a@": "a@",
  "aé": "aé",
  ".": ".",
  "-": "-",
  "no spaces": "qwertyuiopasdfghjklzxcvbnm",
  "A ": "A ",
  "1.": "1.",
  spaces: " ",
  "# #": "# ",
  "<tag>": "<system-reminder>",
  mixed: "a.b@c-d/é ~\\:1`A",
};
const fill = (unit: string, size: number) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

const hosts = scanners.hostScanner(new Set(["com", "io", "net", "org", "dev", "internal"]));
const tools = new NameMatcher(
  ["Docker", "Git", "GitHub", "PostgreSQL", "Node.js", "Kubernetes", "docker", "git"].map((name) => ({ name, aliases: [], type: "tool" as const })),
  false,
  entityKey,
);
const RULE = "never force-push to the main branch";

interface Scanner {
  name: string;
  /** What it is in the server, and what it reads. */
  role: string;
  run: (text: string) => unknown;
  sizes?: number[];
}

const SCANNERS: Scanner[] = [
  // Not a scanner: one linear pass that allocates a string of the text's size, to show how this
  // machine's caches and collector alone bend the growth of a linear pass at these sizes.
  { name: "baseline: toLowerCase", role: "one linear pass, for comparison", run: (t) => t.toLowerCase() },
  { name: "extractEntities", role: "auto_link job, POST /entities (worker thread); reads 16 KB", run: (t) => extractEntities(t) },
  { name: "extractEntities within its window", role: "the same, at sizes inside its 16 KB window", run: (t) => extractEntities(t), sizes: WINDOW_SIZES },
  { name: "entity rule: URLs", role: "entity extraction, whole text", run: scanners.scanUrls },
  { name: "entity rule: e-mail addresses", role: "entity extraction, whole text", run: scanners.scanEmails },
  { name: "entity rule: Unix paths", role: "entity extraction, whole text", run: scanners.scanUnixPaths },
  { name: "entity rule: Windows paths", role: "entity extraction, whole text", run: scanners.scanWindowsPaths },
  { name: "entity rule: @handles", role: "entity extraction, whole text", run: scanners.scanHandles },
  { name: "entity rule: IP addresses", role: "entity extraction, whole text", run: scanners.scanIps },
  { name: "entity rule: host names", role: "entity extraction, whole text", run: hosts },
  { name: "entity rule: known names (trie)", role: "entity extraction, whole text", run: (t) => tools.scan(t) },
  { name: "namesIn", role: "query names, whole text", run: (t) => namesIn(t) },
  { name: "nameCoverage", role: "search fusion, per candidate; reads 4 KB", run: (t) => nameCoverage(new Set(["zed", "web-01"]), t) },
  { name: "countTokens", role: "/context, whole text", run: (t) => countTokens(t) },
  { name: "tokensWithin 3,600", role: "/context block within an allowance of 3,600 tokens", run: (t) => tokensWithin(t, 3_600) },
  { name: "simhash", role: "POST /store", run: (t) => simhash(t) },
  { name: "buildFtsQuery", role: "search, auto-link (16 KB), community labels (4 KB)", run: (t) => buildFtsQuery(t) },
  { name: "detectQuestionType", role: "search (queries are at most 10,000 characters)", run: (t) => detectQuestionType(t) },
  { name: "contentTerms", role: "auto-link word overlap (16 KB)", run: (t) => contentTerms(t) },
  {
    name: "link rules",
    role: "auto_link job: a memory and 5 neighbours (16 KB each in the job)",
    run: (t) => ruleClassifier.classify({ id: 1, content: t }, [2, 3, 4, 5, 6].map((id) => ({ id, content: t, similarity: 0.6 })), 0.5),
  },
  { name: "guard: one rule", role: "POST /guard, per rule; reads 4 KB", run: (t) => evaluate("force push to main", [{ id: 1, content: `${RULE}. ${t}`, importance: 9 }]) },
  { name: "sidecar extractMemories", role: "engram-sidecar, per transcript message", run: (t) => extractMemories({ role: "user", texts: [t] }) },
  { name: "hooks joinLines", role: "Claude Code hooks, per printed memory", run: (t) => joinLines(t) },
  { name: "CLI markdownSections", role: "engram-cli import, per Markdown file", run: (t) => markdownSections(t) },
];

/**
 * Milliseconds of one call at each size: the fastest of ROUNDS rounds, each round calling once at
 * every size in turn. The machine is shared, so a call is often slowed by other work: the
 * fastest is the best estimate of the scanner's own cost, and interleaving the sizes spreads
 * any slow stretch over all of them instead of one.
 */
function timesAt(run: (text: string) => unknown, texts: string[]): number[] {
  for (const t of texts) run(t);
  const best = texts.map(() => Infinity);
  for (let round = 0; round < ROUNDS; round++) {
    texts.forEach((t, i) => {
      collectGarbage();
      const t0 = performance.now();
      run(t);
      best[i] = Math.min(best[i]!, performance.now() - t0);
    });
  }
  return best;
}

const ROUNDS = 11;

// A full collection before each timed call, so no call pays for garbage an earlier one left.
v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;

/** Below this a time is mostly timer noise, and its ratio says nothing. */
const NOISE_MS = 0.05;
const round = (x: number) => Math.round(x * 1000) / 1000;

export async function runScannersBench(): Promise<object> {
  const rows = [];
  for (const s of SCANNERS) {
    const sizes = s.sizes ?? SIZES;
    const inputs = [];
    for (const [input, unit] of Object.entries(INPUTS)) {
      const ms = timesAt(s.run, sizes.map((size) => fill(unit, size)));
      const growth = ms.slice(1).map((t, i) => (ms[i]! >= NOISE_MS ? round(t / ms[i]!) : null));
      // Over the three doublings at once: (t(8n) / t(n))^(1/3), steadier than any one ratio.
      const overall = ms[0]! >= NOISE_MS ? round((ms.at(-1)! / ms[0]!) ** (1 / (ms.length - 1))) : null;
      inputs.push({ input, ms: ms.map(round), growth, growth_per_doubling: overall });
    }
    const overall = inputs.flatMap((i) => (i.growth_per_doubling === null ? [] : [i.growth_per_doubling]));
    const slowest = inputs.reduce((a, b) => (b.ms.at(-1)! > a.ms.at(-1)! ? b : a));
    const worst = overall.length ? Math.max(...overall) : null;
    rows.push({ scanner: s.name, role: s.role, sizes, inputs, worst_growth_per_doubling: worst, slowest_at_largest: { input: slowest.input, ms: slowest.ms.at(-1) } });
    console.log(`${s.name}: slowest ${slowest.input} ${slowest.ms.at(-1)} ms at ${sizes.at(-1)}; worst growth per doubling ${worst}`);
  }
  const result = {
    benchmark: "scanners",
    measured_at: new Date().toISOString(),
    // The load average says whether other work shared the CPUs while this ran.
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? "unknown", node: process.version, load_average_at_end: os.loadavg().map(round) },
    settings: { sizes: SIZES, window_sizes: WINDOW_SIZES, inputs: INPUTS, noise_floor_ms: NOISE_MS },
    scanners: rows,
  };
  const out = path.join(ROOT, "bench/results/scanners.json");
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
  console.log(`written to ${out}`);
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runScannersBench();
