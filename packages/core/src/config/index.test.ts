import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, isLoopbackAddress, isLoopbackHost, loadConfig } from "./index.js";
import { parseLogLevel } from "./log-level.js";

describe("config", () => {
  it("has embedded defaults", () => {
    const c = loadConfig({});
    expect(c.host).toBe("127.0.0.1");
    expect(c.port).toBe(4200);
    expect(c.dataDir).toBe(path.resolve("./data"));
    expect(c.dbPath).toBe(path.join(path.resolve("./data"), "engram.db"));
    expect(c.openAccess).toBe(false);
    expect(c.rateLimit).toEqual({ enabled: true, perMinute: 600, perUserPerMinute: 1800 });
    expect(c.authFailuresPerMinute).toBe(30);
    expect(c.maxKeysPerUser).toBe(100);
    expect(c.metricsPublic).toBe(false);
  });

  it.each([
    ["ENGRAM_PORT", "eighty"],
    ["ENGRAM_PORT", "70000"],
    ["ENGRAM_OPEN_ACCESS", "maybe"],
    ["ENGRAM_RATE_LIMIT_PER_MINUTE", "-5"],
    ["ENGRAM_LOG_LEVEL", "chatty"],
    ["ENGRAM_USE_LANCE_INDEX", "sometimes"],
    ["ENGRAM_LANCE_THRESHOLD", "-1"],
    ["ENGRAM_MODEL_HUB", "not a url"],
    ["ENGRAM_EMBEDDING_THREADS", "0"],
    ["ENGRAM_EMBEDDING_THREADS", "two"],
    ["ENGRAM_QUERY_EMBED_CACHE", "-1"],
    ["ENGRAM_QUERY_EMBED_CACHE", "lots"],
    ["ENGRAM_EMBEDDING_MAX_WINDOWS", "0"],
    ["ENGRAM_EMBEDDING_MAX_SEQ", "200"],
    ["ENGRAM_MODEL_MAX_FILE_BYTES", "0"],
    ["ENGRAM_EMBEDDING_ONNX_FILE", "../../elsewhere.onnx"],
    ["ENGRAM_RERANKER_ONNX_FILE", "onnx/model.onnx"],
    ["ENGRAM_RATE_LIMIT_PER_USER_PER_MINUTE", "0"],
    ["ENGRAM_AUTH_FAILURES_PER_MINUTE", "many"],
    ["ENGRAM_MAX_KEYS_PER_USER", "-1"],
    ["ENGRAM_METRICS_PUBLIC", "sometimes"],
    ["ENGRAM_ENTITY_TIMEOUT_MS", "soon"],
    ["ENGRAM_ENTITY_TIMEOUT_MS", "0"],
    ["ENGRAM_GROUNDING_EXEC", "yes please"],
  ])("stops on invalid %s=%s, naming the variable", (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  it("puts LanceDB tables under the data folder and takes the hub without a trailing slash", () => {
    const c = loadConfig({ ENGRAM_DATA_DIR: "/srv/engram", ENGRAM_MODEL_HUB: "https://hf-mirror.example/" });
    expect(c.vectorIndex).toEqual({ useLance: true, lanceThreshold: 20_000, lanceDir: path.join("/srv/engram", "lance") });
    expect(c.modelHub).toBe("https://hf-mirror.example");
    expect(loadConfig({}).modelHub).toBe("https://huggingface.co");
    expect(loadConfig({}).modelMaxFileBytes).toBe(4 * 1024 ** 3);
    expect(loadConfig({ ENGRAM_MODEL_MAX_FILE_BYTES: "1000" }).modelMaxFileBytes).toBe(1000);
    expect(loadConfig({ ENGRAM_USE_LANCE_INDEX: "0", ENGRAM_LANCE_THRESHOLD: "500" }).vectorIndex).toMatchObject({ useLance: false, lanceThreshold: 500 });
  });

  it("embeds on cores − 1 worker threads (at least one) and reads USE-lite in windows of its 128 tokens", () => {
    const c = loadConfig({});
    expect(c.embeddingThreads).toBe(Math.max(1, os.availableParallelism() - 1));
    expect(c.queryEmbedCache).toBe(1024);
    expect(loadConfig({ ENGRAM_QUERY_EMBED_CACHE: "0" }).queryEmbedCache).toBe(0);
    expect(c.embedder).toEqual({ kind: "use-lite", maxSeq: 128, maxWindows: 8 });
    expect(loadConfig({ ENGRAM_EMBEDDING_THREADS: "3", ENGRAM_EMBEDDING_MAX_SEQ: "64", ENGRAM_EMBEDDING_MAX_WINDOWS: "2" })).toMatchObject({
      embeddingThreads: 3,
      embedder: { kind: "use-lite", maxSeq: 64, maxWindows: 2 },
    });
    // USE-lite's graph reads 128 tokens at most; ONNX models take more (their own limit still applies).
    expect(() => loadConfig({ ENGRAM_EMBEDDING_MAX_SEQ: "200" })).toThrow(/ENGRAM_EMBEDDING_MAX_SEQ=200: USE-lite reads at most 128 tokens/);
    expect(loadConfig({ ENGRAM_EMBEDDING_MODEL_DIR: "/m" }).embedder).toMatchObject({ kind: "onnx", maxSeq: 256, maxWindows: 8 });
    expect(loadConfig({ ENGRAM_EMBEDDING_MODEL_DIR: "/m", ENGRAM_EMBEDDING_MAX_SEQ: "512" }).embedder).toMatchObject({ maxSeq: 512 });
  });

  it("keeps grounding execution off unless ENGRAM_GROUNDING_EXEC=1", () => {
    expect(loadConfig({}).groundingExec).toBe(false);
    expect(loadConfig({ ENGRAM_GROUNDING_EXEC: "1" }).groundingExec).toBe(true);
  });

  it("gives entity extraction 10 s a task unless told otherwise", () => {
    expect(loadConfig({}).graph.entityTimeoutMs).toBe(10_000);
    expect(loadConfig({ ENGRAM_ENTITY_TIMEOUT_MS: "2500" }).graph.entityTimeoutMs).toBe(2_500);
  });

  it("refuses open access on an IP literal off loopback; names are left to the server, which resolves them", () => {
    for (const host of ["0.0.0.0", "10.0.0.1", "::", "::ffff:10.0.0.1", "128.0.0.1"]) {
      expect(() => loadConfig({ ENGRAM_OPEN_ACCESS: "1", ENGRAM_HOST: host }), host).toThrow(/ENGRAM_OPEN_ACCESS=1 with ENGRAM_HOST/);
    }
    expect(loadConfig({ ENGRAM_OPEN_ACCESS: "1" }).openAccess).toBe(true);
    expect(loadConfig({ ENGRAM_OPEN_ACCESS: "1", ENGRAM_HOST: "127.0.0.2" }).host).toBe("127.0.0.2");
    expect(loadConfig({ ENGRAM_OPEN_ACCESS: "1", ENGRAM_HOST: "127.attacker.example" }).host).toBe("127.attacker.example");
  });

  it("tells loopback addresses by IP, not by a string prefix", () => {
    for (const a of ["127.0.0.1", "127.255.0.9", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "::ffff:7f00:1"]) {
      expect(isLoopbackAddress(a), a).toBe(true);
    }
    for (const a of ["127.attacker.example", "127.0.0.1.nip.io", "localhost", "10.0.0.1", "::", "::2", "::ffff:10.0.0.1", "1.127.0.0", ""]) {
      expect(isLoopbackAddress(a), a).toBe(false);
    }
    expect(isLoopbackHost("LOCALHOST")).toBe(true);
    expect(isLoopbackHost("[::1]")).toBe(true);
    expect(isLoopbackHost("127.attacker.example")).toBe(false);
    expect(isLoopbackHost("localhost.attacker.example")).toBe(false);
  });

  it("reads RUST_LOG-style levels", () => {
    expect(parseLogLevel("debug")).toBe("debug");
    expect(parseLogLevel("warn,engram_server=trace,hyper=info")).toBe("trace");
    expect(parseLogLevel("hyper=debug")).toBe("info");
    expect(parseLogLevel("off")).toBe("silent");
  });

  it("encryption: mode none by default; env and keyfile read their source, and the key variables leave the environment", () => {
    expect(loadConfig({}).encryption).toEqual({ mode: "none" });
    const env: Record<string, string | undefined> = { ENGRAM_ENCRYPTION_MODE: "env", ENGRAM_DB_KEY: " abc ", ENGRAM_KEYFILE: "/k" };
    expect(loadConfig(env).encryption).toEqual({ mode: "env", key: "abc" });
    expect(env).toEqual({ ENGRAM_ENCRYPTION_MODE: "env" });
    expect(loadConfig({ ENGRAM_ENCRYPTION_MODE: "keyfile", XDG_CONFIG_HOME: "/xdg" }).encryption).toEqual({ mode: "keyfile", keyfile: "/xdg/engram/dbkey" });
    expect(loadConfig({ ENGRAM_ENCRYPTION_MODE: "keyfile" }).encryption).toEqual({
      mode: "keyfile",
      keyfile: path.join(os.homedir(), ".config", "engram", "dbkey"),
    });
    expect(() => loadConfig({ ENGRAM_ENCRYPTION_MODE: "aes" })).toThrow(/^invalid ENGRAM_ENCRYPTION_MODE="aes"/);
  });

  it("the LanceDB index is off under encryption unless asked for", () => {
    expect(loadConfig({}).vectorIndex.useLance).toBe(true);
    expect(loadConfig({ ENGRAM_ENCRYPTION_MODE: "env" }).vectorIndex.useLance).toBe(false);
    expect(loadConfig({ ENGRAM_ENCRYPTION_MODE: "env", ENGRAM_USE_LANCE_INDEX: "1" }).vectorIndex.useLance).toBe(true);
  });
});
