import fs from "node:fs";
import { UseLiteEmbedder } from "../src/embed/use-lite.ts";
const corpus = fs.readFileSync("/tmp/embed-scratch/corpus.txt", "utf8").replace(/[^\x20-\x7e\n]/g, " ");
const big = (corpus + corpus).slice(0, 102400);
for (const maxWindows of [1, 4, 8, 16]) {
  const e = new UseLiteEmbedder({ maxWindows });
  await e.load();
  await e.embed(["warm"]);
  const row: string[] = [];
  for (const size of [200, 1024, 10240, 102400]) {
    const cpu: number[] = [], wall: number[] = [];
    for (let k = 0; k < 5; k++) {
      const c0 = process.cpuUsage(), t0 = performance.now();
      await e.embed([big.slice(k * 1000, k * 1000 + size)]);
      const c = process.cpuUsage(c0); cpu.push((c.user + c.system) / 1000); wall.push(performance.now() - t0);
    }
    cpu.sort((a, b) => a - b); wall.sort((a, b) => a - b);
    row.push(`${size}B cpu ${Math.round(cpu[2]!)} wall ${Math.round(wall[2]!)}`);
  }
  console.log(`maxWindows ${maxWindows}: ${row.join(" | ")}`);
}
