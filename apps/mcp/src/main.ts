console.error("engram-mcp: not built yet");
process.exit(1);
