/**
 * Ingestion throughput on this machine, embeddings on (the bundled USE-lite model): Markdown
 * and PDF pages per second and chat-export turns per second through POST /ingest, each the
 * median of RUNS runs over fresh inputs (the same input twice would be skipped as a
 * duplicate). Baseline, measured in the same run: the same Markdown chunks stored one per
 * POST /store request, as a client without /ingest would. A Markdown "page" is 3,000
 * characters (the default chunk size); a PDF page is a real page of about 2,500 characters.
 *
 *   pnpm build && npx tsx bench/ingest.ts      → bench/results/ingest.json
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { api, bootstrap, logged, ROOT, startServer } from "../test/support/server.js";
import { makePdf } from "../apps/server/test/support/ingest-fixtures.js";

const RUNS = Number(process.env.BENCH_INGEST_RUNS ?? 3);
const PAGES = Number(process.env.BENCH_INGEST_PAGES ?? 20);
const CONVERSATIONS = Number(process.env.BENCH_INGEST_CONVERSATIONS ?? 20);
const TURNS_PER_CONVERSATION = 10;
const MARKDOWN_PAGE_CHARS = 3000;

const round = (n: number) => Math.round(n * 100) / 100;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const WORDS = "service deploy backup cluster region replica latency budget owner schedule release migration certificate rotation incident review".split(" ");
/** Varied sentences, numbered by run and position, so no two chunks are near-duplicates. */
function sentence(run: number, i: number): string {
  const w = (k: number) => WORDS[(i * 7 + k * 3 + run) % WORDS.length];
  return `In run ${run} item ${i} the ${w(0)} ${w(1)} of host node-${(i * 13) % 997} moved to ${w(2)} window ${i % 24}:${(i * 11) % 60} with ${w(3)} ${i * 17 + run}.`;
}

function markdown(run: number, pages: number): string {
  let out = `# Handbook ${run}\n\n`;
  for (let i = 0; out.length < pages * MARKDOWN_PAGE_CHARS; i++) {
    if (i % 12 === 0) out += `\n## Section ${run}.${i / 12}\n\n`;
    out += sentence(run, i) + (i % 4 === 3 ? "\n\n" : " ");
  }
  return out;
}

async function pdf(run: number, pages: number): Promise<Uint8Array> {
  return makePdf(Array.from({ length: pages }, (_, p) => Array.from({ length: 20 }, (_, l) => sentence(run, p * 20 + l).slice(0, 120))));
}

function chatgpt(run: number, conversations: number) {
  return Array.from({ length: conversations }, (_, c) => {
    const mapping: Record<string, unknown> = { root: { parent: null, children: ["m0"], message: null } };
    for (let t = 0; t < TURNS_PER_CONVERSATION; t++) {
      mapping[`m${t}`] = {
        parent: t === 0 ? "root" : `m${t - 1}`,
        children: t + 1 < TURNS_PER_CONVERSATION ? [`m${t + 1}`] : [],
        message: { author: { role: t % 2 ? "assistant" : "user" }, content: { content_type: "text", parts: [sentence(run, c * 100 + t)] } },
      };
    }
    return { title: `Chat ${run}.${c}`, create_time: 1_700_000_000 + c, mapping };
  });
}

export async function runIngestBench() {
  const server = await startServer({ ENGRAM_JOB_POLL_MS: "50", ENGRAM_RATE_LIMIT_ENABLED: "false" });
  try {
    await logged(server, "embedding model loaded");
    const key = await bootstrap(server.url);
    const c = api(server.url, key);
    const timed = async (body: unknown) => {
      const t = performance.now();
      const res = await c.post("/ingest", body);
      if (res.status !== 200 || res.body.status !== "completed") throw new Error(`ingest failed: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      return { seconds: (performance.now() - t) / 1000, memories: res.body.ingested as number, chunks: res.body.chunks_processed as number };
    };

    const md: number[] = [];
    const mdMemories: number[] = [];
    const pdfRates: number[] = [];
    const chat: number[] = [];
    const baseline: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const text = markdown(run, PAGES);
      const m = await timed({ text, source: "bench-md" });
      md.push((text.length / MARKDOWN_PAGE_CHARS) / m.seconds);
      mdMemories.push(m.memories / m.seconds);

      const p = await timed({ data: Buffer.from(await pdf(run, PAGES)).toString("base64"), source: "bench-pdf" });
      pdfRates.push(PAGES / p.seconds);

      const ch = await timed({ data: Buffer.from(JSON.stringify(chatgpt(run, CONVERSATIONS))).toString("base64"), filename: "conversations.json", source: "bench-chat" });
      chat.push((CONVERSATIONS * TURNS_PER_CONVERSATION) / ch.seconds);

      // Baseline: the same number of Markdown-sized chunks, one POST /store each.
      const chunks = Array.from({ length: m.chunks }, (_, i) => markdown(run + 1000 + i, 1).slice(0, MARKDOWN_PAGE_CHARS));
      const t = performance.now();
      for (const content of chunks) {
        const res = await c.post("/store", { content, source: "bench-store" });
        // 200 is a near-duplicate (the template repeats): still one embedded request, as a client would send.
        if (res.status !== 201 && res.status !== 200) throw new Error(`store failed: ${res.status}`);
      }
      baseline.push(chunks.length / ((performance.now() - t) / 1000));
    }
    const result = {
      benchmark: "ingest",
      measured_at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? "unknown", node: process.version, load_average_at_end: os.loadavg().map(round) },
      settings: { runs: RUNS, embedder: "use-lite", pages_per_input: PAGES, markdown_page_chars: MARKDOWN_PAGE_CHARS, conversations: CONVERSATIONS, turns_per_conversation: TURNS_PER_CONVERSATION },
      markdown_pages_per_sec: round(median(md)),
      pdf_pages_per_sec: round(median(pdfRates)),
      chat_turns_per_sec: round(median(chat)),
      ingest_memories_per_sec: round(median(mdMemories)),
      baseline_store_memories_per_sec: round(median(baseline)),
      ingest_vs_store_ratio: round(median(mdMemories) / median(baseline)),
      runs: { markdown_pages_per_sec: md.map(round), pdf_pages_per_sec: pdfRates.map(round), chat_turns_per_sec: chat.map(round), baseline_store_memories_per_sec: baseline.map(round) },
    };
    const out = path.join(ROOT, "bench/results/ingest.json");
    fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
    console.log(JSON.stringify(result, null, 2));
    return result;
  } finally {
    await server.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runIngestBench();
