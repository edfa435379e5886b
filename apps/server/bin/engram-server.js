#!/usr/bin/env node
// LanceDB's native logger prints plain-text warnings to stderr beside the JSON log; errors
// still show. It reads this variable when the module loads, hence the dynamic import.
process.env.LANCEDB_LOG ??= "error";
await import("../dist/cli.js");
