console.error("engram-sidecar: not built yet");
process.exit(1);
