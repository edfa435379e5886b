/**
 * `pnpm bench`: every benchmark in turn; each writes its JSON to bench/results/.
 * At the default sizes (10k and 100k memories) this takes well over an hour on the 2-core
 * machine; BENCH_SIZES and BENCH_GRAPH_SIZES (e.g. 10000) make a shorter run.
 */
await import("./retrieval.js");
await (await import("./context.js")).runContextBench();
const { runGraphBench } = await import("./graph.js");
await runGraphBench();
const { runLatencyBench } = await import("./latency.js");
await runLatencyBench();
const { runStoreSizeBench } = await import("./store-size.js");
await runStoreSizeBench();
const { runStoreIntelligenceBench } = await import("./store-intelligence.js");
await runStoreIntelligenceBench();
const { runJobsBench } = await import("./jobs.js");
await runJobsBench();
const { runScannersBench } = await import("./scanners.js");
await runScannersBench();
const { runContradictionsBench } = await import("./contradictions.js");
await runContradictionsBench();
const { runGuardBench } = await import("./guard.js");
await runGuardBench();
const { runSignalsBench } = await import("./signals.js");
await runSignalsBench();
const { runIngestBench } = await import("./ingest.js");
await runIngestBench();
