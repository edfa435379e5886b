/** `pnpm bench`: every benchmark in turn; each writes its JSON to bench/results/. */
await import("./retrieval.js");
