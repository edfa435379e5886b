/** `pnpm bench`: every benchmark in turn; each writes its JSON to bench/results/. */
await import("./retrieval.js");
// Latency at BENCH_SIZES memories (default 10000,100000: about half an hour on the 2-core machine).
const { runLatencyBench } = await import("./latency.js");
await runLatencyBench();
