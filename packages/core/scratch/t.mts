import fs from "node:fs";
import { UseLiteEmbedder } from "../src/embed/use-lite.ts";
const corpus = fs.readFileSync("/tmp/embed-scratch/corpus.txt", "utf8").replace(/[^\x20-\x7e\n]/g, " ");
for (const maxWindows of [8]) {
  const e = new UseLiteEmbedder({ maxWindows });
  await e.load();
  await e.embed(["warm"]);
  for (const size of [200, 1024, 10240, 102400]) {
    const ts: number[] = [];
    for (let k = 0; k < 5; k++) { const t = performance.now(); await e.embed([corpus.slice(k * 5000, k * 5000 + size)]); ts.push(performance.now() - t); }
    ts.sort((a, b) => a - b);
    console.log(maxWindows, size, ts.map(Math.round).join(" "));
  }
}
