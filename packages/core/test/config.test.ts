import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config/index.js";
import { parseLogLevel } from "../src/config/log-level.js";

describe("config", () => {
  it("has embedded defaults", () => {
    const c = loadConfig({});
    expect(c.host).toBe("127.0.0.1");
    expect(c.port).toBe(4200);
    expect(c.dataDir).toBe(path.resolve("./data"));
    expect(c.dbPath).toBe(path.join(path.resolve("./data"), "engram.db"));
    expect(c.openAccess).toBe(false);
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
    ["ENGRAM_ENTITY_TIMEOUT_MS", "soon"],
    ["ENGRAM_ENTITY_TIMEOUT_MS", "0"],
  ])("stops on invalid %s=%s, naming the variable", (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  it("puts LanceDB tables under the data folder and takes the hub without a trailing slash", () => {
    const c = loadConfig({ ENGRAM_DATA_DIR: "/srv/engram", ENGRAM_MODEL_HUB: "https://hf-mirror.example/" });
    expect(c.vectorIndex).toEqual({ useLance: true, lanceThreshold: 20_000, lanceDir: path.join("/srv/engram", "lance") });
    expect(c.modelHub).toBe("https://hf-mirror.example");
    expect(loadConfig({}).modelHub).toBe("https://huggingface.co");
    expect(loadConfig({ ENGRAM_USE_LANCE_INDEX: "0", ENGRAM_LANCE_THRESHOLD: "500" }).vectorIndex).toMatchObject({ useLance: false, lanceThreshold: 500 });
  });

  it("gives entity extraction 10 s a task unless told otherwise", () => {
    expect(loadConfig({}).graph.entityTimeoutMs).toBe(10_000);
    expect(loadConfig({ ENGRAM_ENTITY_TIMEOUT_MS: "2500" }).graph.entityTimeoutMs).toBe(2_500);
  });

  it("refuses open access off loopback", () => {
    expect(() => loadConfig({ ENGRAM_OPEN_ACCESS: "1", ENGRAM_HOST: "0.0.0.0" })).toThrow(/ENGRAM_OPEN_ACCESS/);
    expect(loadConfig({ ENGRAM_OPEN_ACCESS: "1" }).openAccess).toBe(true);
  });

  it("reads RUST_LOG-style levels", () => {
    expect(parseLogLevel("debug")).toBe("debug");
    expect(parseLogLevel("warn,engram_server=trace,hyper=info")).toBe("trace");
    expect(parseLogLevel("hyper=debug")).toBe("info");
    expect(parseLogLevel("off")).toBe("silent");
  });
});
